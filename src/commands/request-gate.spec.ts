import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { AppConfig } from '../config/config.js';
import { RequestGate } from './request-gate.js';

const gate = () => new RequestGate({ shutdownReconnectAfterMs: 5000 } as AppConfig);

describe('RequestGate', () => {
  it('admits requests until it drains, then refuses them and tells its listeners once', async () => {
    const subject = gate();
    let told = 0;
    subject.onClosing(() => (told += 1));
    expect(subject.enter()).toBe(true);
    subject.leave();
    expect(await subject.drain(1000)).toBe(0);
    expect(await subject.drain(1000)).toBe(0);
    expect(subject.open).toBe(false);
    expect(subject.enter()).toBe(false);
    expect(told).toBe(1);
    expect(subject.shuttingDown()).toMatchObject({ code: 'unavailable', status: 503, details: [{ retryAfterMs: 5000 }] });
  });

  it('waits for the requests in flight', async () => {
    const subject = gate();
    expect(subject.enter()).toBe(true);
    expect(subject.enter()).toBe(true);
    let drained: number | undefined;
    const draining = subject.drain(60_000).then((left) => (drained = left));
    subject.leave();
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBeUndefined();
    subject.leave();
    await draining;
    expect(drained).toBe(0);
  });

  it('gives up after its limit, saying how many are still in flight', async () => {
    const subject = gate();
    subject.enter();
    expect(await subject.drain(20)).toBe(1);
  });
});
