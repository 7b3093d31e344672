import { describe, expect, it } from '@jest/globals';
import { READ_HOOK_GRACE_MS, StreamState } from './stream-state.js';

const reader = (id: string) => ({ type: 'rtspSession', id });

describe('StreamState', () => {
  it('ignores a read that lands after its unread', () => {
    const state = new StreamState();
    state.setAvailable('cam', true);
    expect(state.removeReader('cam', 'r1')).toEqual({ removed: false, readers: 0, lastLeft: false });
    expect(state.addReader('cam', 'r1')).toBe('ended');
    expect(state.readers('cam')).toBe(0);
    expect(state.addReader('cam', 'r2')).toBe('added');
    expect(state.addReader('cam', 'r2')).toBe('known');
    expect(state.removeReader('cam', 'r2')).toEqual({ removed: true, readers: 0, lastLeft: true });
  });

  it("corrects readers and readiness from MediaMTX's list, with what changed", () => {
    const state = new StreamState();
    state.setAvailable('cam', true);
    state.addReader('cam', 'phantom', 'rtspSession');
    const listed = { available: true, source: null, readers: [reader('lost-read')] };
    // First listed: its `read` may still come.
    expect(state.reconcile('cam', listed, state.mark(), 1_000)).toEqual({
      available: null,
      added: [],
      removed: [{ type: 'rtspSession', id: 'phantom' }],
      lastLeft: true,
      waiting: true,
    });
    expect(state.reconcile('cam', listed, state.mark(), 1_000 + READ_HOOK_GRACE_MS)).toEqual({
      available: null,
      added: [reader('lost-read')],
      removed: [],
      lastLeft: false,
      waiting: false,
    });
    expect(state.reconcile('cam', { available: false, source: null, readers: [] }, state.mark())).toEqual({
      available: false,
      added: [],
      removed: [{ type: 'rtspSession', id: 'lost-read' }],
      lastLeft: true,
      waiting: false,
    });
    expect(state.isAvailable('cam')).toBe(false);
    // The phantom's late read stays ignored.
    expect(state.addReader('cam', 'phantom')).toBe('ended');
  });

  it('keeps what hooks said after MediaMTX was asked', () => {
    const state = new StreamState();
    const since = state.mark();
    // While the answer is on its way: the stream comes up, a reader arrives, another leaves.
    state.setAvailable('cam', true);
    state.addReader('cam', 'new');
    state.removeReader('cam', 'gone');
    const stale = { available: false, source: null, readers: [reader('gone')] };
    expect(state.reconcile('cam', stale, since)).toEqual({ available: null, added: [], removed: [], lastLeft: false, waiting: false });
    expect(state.isAvailable('cam')).toBe(true);
    expect(state.readers('cam')).toBe(1);
    // Nor does a stale answer bring back a readiness that a hook ended on a path since forgotten.
    const before = state.mark();
    state.removeReader('cam', 'new');
    state.setAvailable('cam', false);
    expect(state.reconcile('cam', { available: true, source: null, readers: [] }, before).available).toBeNull();
    expect(state.isAvailable('cam')).toBe(false);
  });

  it("leaves a listed reader to its `read` hook while the hook may still come", () => {
    const state = new StreamState();
    state.setAvailable('cam', true);
    const listed = { available: true, source: null, readers: [reader('slow-hook')] };
    expect(state.reconcile('cam', listed, state.mark(), 1_000)).toMatchObject({ added: [], waiting: true });
    expect(state.reconcile('cam', listed, state.mark(), 1_000 + READ_HOOK_GRACE_MS - 1)).toMatchObject({ added: [], waiting: true });
    // The hook lands: it announces the reader, and MediaMTX's list has nothing left to add.
    expect(state.addReader('cam', 'slow-hook', 'rtspSession')).toBe('added');
    expect(state.reconcile('cam', listed, state.mark(), 1_000 + READ_HOOK_GRACE_MS)).toMatchObject({ added: [], removed: [], waiting: false });
    expect(state.readers('cam')).toBe(1);
    // A reader listed once and gone by the next look was never announced, and is not waited for.
    const brief = { available: true, source: null, readers: [reader('slow-hook'), reader('brief')] };
    expect(state.reconcile('cam', brief, state.mark(), 2_000)).toMatchObject({ waiting: true });
    expect(state.reconcile('cam', listed, state.mark(), 2_000 + READ_HOOK_GRACE_MS)).toMatchObject({ added: [], removed: [], waiting: false });
  });

  it('counts a paused RTSP reader again, as MediaMTX still lists it', () => {
    const state = new StreamState();
    state.setAvailable('cam', true);
    state.addReader('cam', 'paused');
    state.removeReader('cam', 'paused');
    expect(state.reconcile('cam', { available: true, source: null, readers: [reader('paused')] }, state.mark()).added).toEqual([reader('paused')]);
    expect(state.readers('cam')).toBe(1);
  });
});
