export type Role = 'admin' | 'user';

/** Who is making a request, as established from a verified access token. */
export interface AuthContext {
  userId: number;
  username: string;
  role: Role;
  sessionId: string;
  /** Unix seconds at which the access token expires. */
  expiresAt: number;
  /** The user's token version the access token was issued under. */
  tokenVersion: number;
}

export const isAdmin = (auth: AuthContext): boolean => auth.role === 'admin';
