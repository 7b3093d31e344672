import { Injectable } from '@nestjs/common';

/** A MediaMTX session the relay let in (the auth callback's `id`), and on whose behalf. */
export interface ViewerSession {
  id: string;
  protocol: string;
  userId: number;
  cameraId: number;
  tokenId: number | null;
  /** MediaMTX's reader type (`rtspsSession`, `rtmpsConn`, ...) once a `read` hook told it: the exact kick endpoint. */
  readerType?: string;
}

const MAX_SESSIONS = 100_000;

/**
 * The reading sessions the relay allowed, so that taking access away (revoking a stream token,
 * disabling or deleting a user, removing a grant) can end the streams already running.
 */
@Injectable()
export class ViewerSessions {
  private readonly sessions = new Map<string, ViewerSession>();

  record(session: ViewerSession): void {
    const known = this.sessions.get(session.id);
    if (!known && this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    this.sessions.set(session.id, { ...session, readerType: session.readerType ?? known?.readerType });
  }

  /**
   * The auth callback's `protocol` says `rtsp`/`rtmp` for RTSPS/RTMPS too; the `read` hook's
   * reader type says which, hence where to kick.
   */
  learnReaderType(sessionId: string, readerType: string): void {
    const session = this.sessions.get(sessionId);
    if (session) session.readerType = readerType;
  }

  /** A session that ended (its `unread`): nothing to kick any more. */
  forget(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  /** The sessions that match, forgetting them. */
  take(match: (session: ViewerSession) => boolean): ViewerSession[] {
    const taken = [...this.sessions.values()].filter(match);
    for (const session of taken) this.sessions.delete(session.id);
    return taken;
  }
}
