import { afterEach, describe, expect, it, jest } from '@jest/globals';
import pino from 'pino';
import { PostgresSupervisor } from './postgres-supervisor.js';
import type { Postmaster, PostmasterExit } from './postmaster.js';

/** A server run that ends when the test says: crash() as a kill -9 would, stop() as asked. */
class FakeRun {
  private end!: (exit: PostmasterExit) => void;
  readonly exited = new Promise<PostmasterExit>((resolve) => (this.end = resolve));
  stopped = false;

  crash(): void {
    this.end({ code: null, signal: 'SIGKILL' });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.end({ code: 0, signal: null });
    await this.exited;
  }
}

const MINUTE = 60_000;

function supervise() {
  const runs: FakeRun[] = [];
  const supervisor = new PostgresSupervisor(async () => {
    const run = new FakeRun();
    runs.push(run);
    return run as unknown as Postmaster;
  }, pino({ level: 'silent' }));
  let gaveUp: Error | undefined;
  void supervisor.failed.then((error) => (gaveUp = error));
  /** Crashes the current run and waits until the next one starts (or the supervisor gives up). */
  const crash = async () => {
    const count = runs.length;
    runs.at(-1)!.crash();
    for (let waited = 0; runs.length === count && gaveUp === undefined && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  return { supervisor, runs, crash, gaveUp: () => gaveUp };
}

describe('PostgresSupervisor', () => {
  let clock = Date.now();
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('restarts a server that dies, three times within five minutes, and gives up at the fourth', async () => {
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const { supervisor, runs, crash, gaveUp } = supervise();
    await supervisor.start();
    for (let restart = 1; restart <= 3; restart += 1) {
      clock += MINUTE;
      await crash();
      expect(runs).toHaveLength(restart + 1);
      expect(gaveUp()).toBeUndefined();
    }
    clock += MINUTE;
    await crash();
    expect(runs).toHaveLength(4);
    expect(gaveUp()?.message).toBe('the embedded PostgreSQL stopped unexpectedly 4 times within 5 minutes');
  });

  it('forgets restarts older than five minutes', async () => {
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const { supervisor, runs, crash, gaveUp } = supervise();
    await supervisor.start();
    for (let restart = 1; restart <= 6; restart += 1) {
      clock += 2 * MINUTE + 1;
      await crash();
    }
    expect(runs).toHaveLength(7);
    expect(gaveUp()).toBeUndefined();
    await supervisor.stop();
    expect(runs.at(-1)!.stopped).toBe(true);
  });

  it('does not restart a server it was asked to stop', async () => {
    const { supervisor, runs } = supervise();
    await supervisor.start();
    await supervisor.stop();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(runs).toHaveLength(1);
  });
});
