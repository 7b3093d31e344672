import { Injectable } from '@nestjs/common';

/** A MediaMTX session the relay let in (the auth callback's `id`), and on whose behalf. */
export interface ViewerSession {
  id: string;
  protocol: string;
  userId: number;
  cameraId: number;
  tokenId: number | null;
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
    if (!this.sessions.has(session.id) && this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    this.sessions.set(session.id, session);
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
