import type { PathReader } from './types.js';
import type { HookName } from './types.js';
import type { ReadServerContext } from './read-server.js';
import { READER_TYPE, type SessionKind } from './sessions.js';

interface Reading {
  path: string;
  reader: { type: string; id: string; query: string };
}

/**
 * runOnRead / runOnUnread for the sessions of a read server (`hooks/on_read.go`, called by
 * `servers/webrtc/session.go:585` and `servers/hls/session.go:132`): MTX_READER_TYPE is the
 * session's reader type, MTX_READER_ID its UUID, MTX_QUERY its query. A hook is started and not
 * waited for (`externalcmd.Cmd.Start`): `driver.idle()` waits for it. A session whose read hook
 * never ran (a WebRTC peer that never connected) gets no unread either: OnRead was never called,
 * so there is no close function to run.
 */
export class ReaderHooks {
  private readonly reading = new Map<string, Reading>();

  constructor(
    private readonly context: ReadServerContext,
    private readonly kind: SessionKind,
  ) {
    // A kick through the Control API closes the session (webrtc/server.go:443, hls/muxer.go:444),
    // which runs its unread.
    context.fake.onKick((kick) => {
      if (kick.found && kick.kind === kind) this.unread(kick.id);
    });
  }

  /** The session reads: runOnRead. */
  read(path: string, id: string, query: string): void {
    const reading = { path, reader: { type: READER_TYPE[this.kind], id, query } };
    this.reading.set(id, reading);
    this.start('runOnRead', reading);
  }

  /** The session ended (its state is already gone from the fake): runOnUnread, if it read. */
  unread(id: string): void {
    const reading = this.reading.get(id);
    if (!reading) return;
    this.reading.delete(id);
    this.start('runOnUnread', reading);
  }

  /**
   * MediaMTX closes the session on its own (a WebRTC peer connection that fails, an HLS session
   * idle for 30 s, its muxer closing): the session ends, then its unread. Returns the reader it was.
   */
  endSession(id: string): PathReader | undefined {
    const reader = this.context.fake.endSession(id);
    this.unread(id);
    return reader;
  }

  private start(hook: Extract<HookName, 'runOnRead' | 'runOnUnread'>, { path, reader }: Reading): void {
    const { driver } = this.context;
    // An empty command runs nothing (on_read.go:35, :55).
    if (driver.hookCommand(hook) === '') return;
    const run = hook === 'runOnRead' ? driver.read(path, reader) : driver.unread(path, reader);
    // A command that cannot start is only logged by MediaMTX; the run is missing from hookRuns.
    run.catch(() => undefined);
  }
}
