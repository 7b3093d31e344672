import { Injectable } from '@nestjs/common';

const MAX_SESSIONS_PER_TOKEN = 1000;

/** Which MediaMTX sessions each stream token opened (from the auth callback's `id`), so revoking can kick them. */
@Injectable()
export class TokenSessions {
  private readonly sessions = new Map<number, Map<string, string>>();

  record(tokenId: number, protocol: string, sessionId: string): void {
    const byId = this.sessions.get(tokenId) ?? new Map<string, string>();
    if (byId.size >= MAX_SESSIONS_PER_TOKEN) byId.delete(byId.keys().next().value as string);
    byId.set(sessionId, protocol);
    this.sessions.set(tokenId, byId);
  }

  /** A session that ended (its last `unread`): nothing to kick any more. */
  forgetSession(sessionId: string): void {
    for (const [tokenId, byId] of this.sessions) {
      if (byId.delete(sessionId) && byId.size === 0) this.sessions.delete(tokenId);
    }
  }

  /** The sessions of a token, forgetting them. */
  take(tokenId: number): Array<{ protocol: string; id: string }> {
    const byId = this.sessions.get(tokenId);
    this.sessions.delete(tokenId);
    return [...(byId ?? [])].map(([id, protocol]) => ({ id, protocol }));
  }
}
