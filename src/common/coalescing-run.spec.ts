import { describe, expect, it } from '@jest/globals';
import { CoalescingRun } from './coalescing-run.js';

/** A pass that waits until the test lets it end. */
function gatedPasses() {
  const gates: Array<() => void> = [];
  let passes = 0;
  const pass = () => {
    passes += 1;
    return new Promise<void>((resolve) => gates.push(resolve));
  };
  const release = async () => {
    while (gates.length === 0) await Promise.resolve();
    gates.shift()!();
  };
  return { pass, release, passes: () => passes };
}

describe('CoalescingRun', () => {
  it('runs one more pass for any number of triggers during a pass, and shares its promise', async () => {
    const gated = gatedPasses();
    const run = new CoalescingRun(gated.pass);
    const first = run.run();
    const during = [run.run(), run.run(), run.run()];
    expect(during.every((promise) => promise === first)).toBe(true);
    expect(run.busy).toBe(true);
    await gated.release();
    await gated.release();
    await first;
    expect([gated.passes(), run.busy]).toEqual([2, false]);
  });

  it('skips the pass asked for during the last one once `again` says no', async () => {
    const gated = gatedPasses();
    let stopped = false;
    const run = new CoalescingRun(gated.pass, { again: () => !stopped });
    const first = run.run();
    void run.run();
    stopped = true;
    await gated.release();
    await first;
    expect(gated.passes()).toBe(1);
  });

  it('hands a failed pass to onError once, and callers see it settle', async () => {
    const failures: unknown[] = [];
    const run = new CoalescingRun(() => Promise.reject(new Error('no')), { onError: (error) => failures.push(error) });
    await Promise.all([run.run(), run.run()]);
    expect(failures).toHaveLength(1);
    await expect(new CoalescingRun(() => Promise.reject(new Error('no'))).run()).rejects.toThrow('no');
  });
});
