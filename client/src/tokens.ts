import { RelayError } from './errors.js';
import type { Tokens } from './types.js';

/** What the keeper needs of the REST transport: one call, to refresh. */
interface RestCaller {
  call(module: string, command: string, entity: unknown, payload: unknown, token: string | null, timeoutMs: number): Promise<unknown>;
}

/** Reads `exp` (seconds) from a JWT without checking it: the server does that. Null if it has none. */
export function expiryOfJwt(token: string): number | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const claims = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Refresh is refused for good: the session is over. Anything else (network, unavailable) is worth another try. */
export const isRevocation = (error: unknown): boolean =>
  error instanceof RelayError && ['unauthorized', 'token_expired', 'forbidden', 'validation_failed'].includes(error.code);

/**
 * The client's tokens: when the access token expires, and trading the refresh token for new
 * ones (one trade at a time: a refresh token works once).
 */
export class TokenKeeper {
  private current: { bearer: string; refresh: string | null; expiresAt: number | null; obtainedAt: number };
  private inFlight: Promise<Tokens> | null = null;

  constructor(
    private readonly rest: RestCaller,
    initial: { bearer: string; refresh?: string | null; expiration?: string },
    private readonly timeoutMs: number,
  ) {
    this.current = this.read(initial);
  }

  get bearer(): string {
    return this.current.bearer;
  }

  get canRefresh(): boolean {
    return this.current.refresh !== null;
  }

  get expiresAt(): number | null {
    return this.current.expiresAt;
  }

  /** How far into its lifetime the access token is, from 0 to 1 (0 when its expiry is unknown). */
  used(now = Date.now()): number {
    const { expiresAt, obtainedAt } = this.current;
    if (expiresAt === null || expiresAt <= obtainedAt) return 0;
    return (now - obtainedAt) / (expiresAt - obtainedAt);
  }

  /** When to refresh: a minute before expiry, or after three quarters of a shorter lifetime. Null: never. */
  refreshDueAt(): number | null {
    const { expiresAt, obtainedAt } = this.current;
    if (expiresAt === null || !this.canRefresh) return null;
    const lifetime = Math.max(0, expiresAt - obtainedAt);
    return expiresAt - Math.min(60_000, lifetime / 4);
  }

  refresh(): Promise<Tokens> {
    this.inFlight ??= this.trade().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async trade(): Promise<Tokens> {
    const refresh = this.current.refresh;
    if (refresh === null) throw new RelayError('unauthorized', 'the access token expired and there is no refresh token', 401);
    const tokens = (await this.rest.call('auth', 'refresh', undefined, { refresh }, null, this.timeoutMs)) as Tokens;
    this.current = this.read(tokens);
    return { bearer: tokens.bearer, refresh: tokens.refresh, expiration: tokens.expiration };
  }

  private read({ bearer, refresh, expiration }: { bearer: string; refresh?: string | null; expiration?: string }) {
    const fromAnswer = expiration ? Date.parse(expiration) : NaN;
    return { bearer, refresh: refresh ?? null, expiresAt: Number.isFinite(fromAnswer) ? fromAnswer : expiryOfJwt(bearer), obtainedAt: Date.now() };
  }
}
