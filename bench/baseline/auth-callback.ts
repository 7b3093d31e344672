/**
 * Baseline for auth-callback: the relay's decision on a MediaMTX auth callback, answered from
 * in-memory maps loaded once at start (users, grants, cameras by path, stream tokens by hash),
 * with each username and password verified by argon2 once and then remembered by a hash. What
 * the relay does with warm caches, without the framework, the validation or the logging.
 */
import { createHash } from 'node:crypto';
import argon2 from 'argon2';
import type pg from 'pg';
import { secretsEqual } from './common.js';

interface AuthBody {
  user?: string;
  password?: string;
  token?: string;
  action?: string;
  path?: string;
  query?: string;
}

interface User {
  id: number;
  role: string;
  canLogin: boolean;
  passwordHash: string;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const STREAM_TOKEN_PREFIX = 'mtxs_';

export class AuthDecisions {
  private readonly users = new Map<string, User>();
  private readonly usersById = new Map<number, User>();
  private readonly grants = new Set<string>();
  private readonly cameras = new Map<string, { id: number; enabled: boolean }>();
  private readonly tokens = new Map<string, { userId: number; cameraId: number; expiresAt: number }>();
  private readonly verified = new Map<string, Promise<number | null>>();

  static async load(pool: pg.Pool): Promise<AuthDecisions> {
    const decisions = new AuthDecisions();
    const users = await pool.query<{ id: number; username: string; role: string; can_login: boolean; password_hash: string }>('SELECT id, username, role, can_login, password_hash FROM users');
    for (const row of users.rows) {
      const user = { id: row.id, role: row.role, canLogin: row.can_login, passwordHash: row.password_hash };
      decisions.users.set(row.username.toLowerCase(), user);
      decisions.usersById.set(row.id, user);
    }
    for (const row of (await pool.query<{ user_id: number; camera_id: number }>('SELECT user_id, camera_id FROM camera_grants')).rows) decisions.grants.add(`${row.user_id}:${row.camera_id}`);
    for (const row of (await pool.query<{ id: number; mtx_path: string; is_enabled: boolean }>('SELECT id, mtx_path, is_enabled FROM cameras')).rows) {
      decisions.cameras.set(row.mtx_path, { id: row.id, enabled: row.is_enabled });
    }
    const tokens = await pool.query<{ token_hash: string; user_id: number; camera_id: number; expires_at: Date }>(
      'SELECT token_hash, user_id, camera_id, expires_at FROM stream_tokens WHERE revoked_at IS NULL',
    );
    for (const row of tokens.rows) decisions.tokens.set(row.token_hash, { userId: row.user_id, cameraId: row.camera_id, expiresAt: row.expires_at.getTime() });
    return decisions;
  }

  /** 200 allows; 401 asks for credentials; 403 refuses. */
  async decide(body: AuthBody): Promise<200 | 401 | 403> {
    if (body.action !== 'read') return 403;
    const token = body.token || new URLSearchParams(body.query ?? '').get('token') || '';
    if (!body.user && !body.password && !token) return 401;
    const camera = this.cameras.get(body.path ?? '');
    if (!camera || !camera.enabled) return 403;
    const streamToken = [body.password ?? '', token].find((value) => value.startsWith(STREAM_TOKEN_PREFIX));
    let userId: number | null;
    if (streamToken) {
      const held = this.tokens.get(sha256(streamToken));
      if (!held || held.expiresAt <= Date.now() || held.cameraId !== camera.id) return 403;
      userId = held.userId;
    } else {
      userId = await this.password(body.user ?? '', body.password ?? '');
    }
    const user = userId === null ? undefined : this.usersById.get(userId);
    if (!user || !user.canLogin) return 403;
    return user.role === 'admin' || this.grants.has(`${user.id}:${camera.id}`) ? 200 : 403;
  }

  private password(username: string, password: string): Promise<number | null> {
    const key = sha256(`${username.toLowerCase()}\u0000${password}`);
    let found = this.verified.get(key);
    if (!found) {
      const user = this.users.get(username.toLowerCase());
      found = user ? argon2.verify(user.passwordHash, password).then((ok) => (ok ? user.id : null), () => null) : Promise.resolve(null);
      this.verified.set(key, found);
      void found.then((id) => id === null && this.verified.delete(key));
    }
    return found;
  }
}

/** Only MediaMTX may call: the hook secret in the URL's query, as the relay checks it. */
export const fromMediaMtx = (secret: unknown, hookSecret: string): boolean => typeof secret === 'string' && secretsEqual(secret, hookSecret);
