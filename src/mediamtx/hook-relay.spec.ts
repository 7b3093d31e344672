import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config.js';
import type { ControlConnection } from '../jobs/control-connection.js';
import type { Leadership } from '../jobs/leadership.service.js';
import { HookRelay, type RelayedHook } from './hook-relay.js';
import type { RelayedHooksStore, StoredHook } from './relayed-hooks.store.js';

/** `relayed_hooks` in memory; `otherInstances` answers what `others` says, when it is resolved. */
class FakeStore {
  rows: RelayedHook[] = [];
  others: () => Promise<number | undefined> = async () => 0;
  async put(hook: RelayedHook): Promise<boolean> {
    this.rows.push(hook);
    return true;
  }
  async announce(): Promise<void> {}
  otherInstances(): Promise<number | undefined> {
    return this.others();
  }
  async take(): Promise<StoredHook[]> {
    return this.rows.splice(0, 100).map((hook) => ({ hook, expired: false }));
  }
}

const relays: HookRelay[] = [];
afterEach(() => relays.splice(0).forEach((relay) => relay.onApplicationShutdown()));

const hookOf = (event: string): RelayedHook => ({ kind: 'hook', event, call: { path: 'porch', query: undefined, sourceType: undefined, sourceId: undefined, readerType: undefined, readerId: undefined } });

async function leaderRelay(store: FakeStore) {
  const applied: string[] = [];
  let wake: (sender: string) => void = () => undefined;
  const connection = {
    instanceId: 'this-one',
    listen: async (_channel: string, listener: (payload: string) => void) => void (wake = listener),
    onReconnect: () => undefined,
  } as unknown as ControlConnection;
  const leadership = { isLeader: () => true, onChange: () => undefined } as unknown as Leadership;
  const logger = { info: () => undefined, warn: () => undefined } as unknown as Logger;
  const relay = new HookRelay({ backgroundLockRetrySeconds: 5 } as AppConfig, logger, {}, connection, leadership, store as unknown as RelayedHooksStore);
  relays.push(relay);
  relay.handleWith(async (hook) => void applied.push(hook.kind === 'hook' ? hook.event : hook.kind));
  await relay.onApplicationBootstrap();
  // What waited when it started is taken first.
  await settle(() => relay.appliesAtOnce());
  return { relay, applied, wake: (sender: string) => wake(sender) };
}

/** Lets the relay's promise chains run (bounded). */
async function settle(until: () => boolean): Promise<void> {
  for (let turn = 0; turn < 100 && !until(); turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('HookRelay', () => {
  it('applies at once only while no other instance is heard of; then its own hooks wait behind those stored before them', async () => {
    const store = new FakeStore();
    const { relay, applied, wake } = await leaderRelay(store);
    expect(relay.appliesAtOnce()).toBe(true);

    // Another instance starts and stores `ready`; this one gets `notReady` before it has taken it.
    store.others = async () => 1;
    await store.put(hookOf('ready'));
    wake('another-one');
    expect(relay.appliesAtOnce()).toBe(false);
    await relay.forward(hookOf('notReady'));
    await settle(() => applied.length === 2);
    expect(applied).toEqual(['ready', 'notReady']);
    expect(relay.appliesAtOnce()).toBe(false);
  });

  it('does not believe a count of instances taken before another instance was heard of', async () => {
    const store = new FakeStore();
    store.others = async () => 1;
    const { relay, wake } = await leaderRelay(store);
    expect(relay.appliesAtOnce()).toBe(false);

    let answer: (others: number) => void = () => undefined;
    store.others = () => new Promise((resolve) => (answer = resolve));
    const counting = (relay as unknown as { countInstances(): Promise<void> }).countInstances();
    wake('another-one');
    answer(0);
    await counting;
    expect(relay.appliesAtOnce()).toBe(false);
  });

  it('ignores its own wake-ups when telling whether it is alone', async () => {
    const { relay, wake } = await leaderRelay(new FakeStore());
    wake('this-one');
    expect(relay.appliesAtOnce()).toBe(true);
  });
});
