import { signal } from '@preact/signals';
import { restCall } from './rest';
import type { UserView } from './types';

export interface Tokens {
  bearer: string;
  refresh: string;
  expiration: string;
  user: UserView;
}

const STORAGE_KEY = 'mtx-relay.session';

/** The signed-in user's tokens, or null on the sign-in page. */
export const tokens = signal<Tokens | null>(null);
/** Why the sign-in page is showing (signed out, session revoked), in words. */
export const signInNotice = signal('');
/** True until a stored session was tried. */
export const restoring = signal(true);

function remember(value: Tokens | null): void {
  tokens.value = value;
  // Only the refresh token outlives the page: a reload trades it for fresh tokens.
  if (value) localStorage.setItem(STORAGE_KEY, value.refresh);
  else localStorage.removeItem(STORAGE_KEY);
}

export async function signIn(username: string, password: string): Promise<void> {
  const answer = await restCall<Tokens>('POST', '/api/auth', { username, password });
  signInNotice.value = '';
  remember(answer);
}

/** Tokens refreshed elsewhere (by the live connection) replace the stored ones. */
export function tokensRefreshed(value: Tokens): void {
  remember(value);
}

/** Back to the sign-in page, saying why. */
export function signedOut(reason: string): void {
  signInNotice.value = reason;
  remember(null);
}

export async function signOut(): Promise<void> {
  const current = tokens.value;
  signedOut('You signed out.');
  if (current) await restCall('DELETE', '/api/auth', undefined, current.bearer).catch(() => undefined);
}

/** On load: a stored refresh token becomes a session again, or the sign-in page shows. */
export async function restoreSession(): Promise<void> {
  const refresh = localStorage.getItem(STORAGE_KEY);
  try {
    if (refresh) remember(await restCall<Tokens>('POST', '/api/auth/refresh', { refresh }));
  } catch (error) {
    remember(null);
    signInNotice.value = `Your session ended: ${(error as Error).message}. Sign in again.`;
  } finally {
    restoring.value = false;
  }
}

export const isAdmin = (): boolean => tokens.value?.user.role === 'admin';
