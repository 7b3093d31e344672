/**
 * What the baselines share: the same JWT check as the relay (jsonwebtoken, HS256 pinned,
 * issuer and audience checked), the same camera read as one SQL statement through `pg`, and
 * the same answer shape. No framework, no ORM, no validation library.
 */
import { createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import pg from 'pg';

export interface BaselineEnv {
  port: number;
  host: string;
  databaseUrl: string;
  /**
   * JWT_SECRET as a KeyObject, made once. Handed a string, jsonwebtoken first tries to parse it
   * as a PEM public key and catches the failure, on every call: about 300 µs instead of 7.
   */
  jwtKey: KeyObject;
  hookSecret: string;
  mediamtxApiUrl: string;
}

export function readEnv(): BaselineEnv {
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  return {
    port: Number(process.env.PORT ?? 0),
    host: process.env.HOST ?? '127.0.0.1',
    databaseUrl: need('DATABASE_URL'),
    jwtKey: createSecretKey(Buffer.from(need('JWT_SECRET'))),
    hookSecret: need('MEDIAMTX_HOOK_SECRET'),
    mediamtxApiUrl: need('MEDIAMTX_API_URL'),
  };
}

/** The same pool size as the relay's DataSource. */
export const createPool = (env: BaselineEnv): pg.Pool => new pg.Pool({ connectionString: env.databaseUrl, max: 20 });

export interface Identity {
  userId: number;
  sessionId: string;
  expiresAt: number;
  role: 'admin' | 'user';
}

export class Unauthorized extends Error {}

/** The relay's token check: signature, algorithm, issuer, audience, expiry, claim shapes. */
export function verifyToken(env: BaselineEnv, token: string | undefined): Omit<Identity, 'role'> {
  if (!token) throw new Unauthorized('no token');
  let claims: { sub?: unknown; sid?: unknown; tv?: unknown; exp?: unknown };
  try {
    claims = jwt.verify(token, env.jwtKey, { algorithms: ['HS256'], issuer: 'mtx-relay', audience: 'mtx-relay' });
  } catch {
    throw new Unauthorized('the access token is not valid');
  }
  const userId = Number(claims.sub);
  if (!Number.isInteger(userId) || typeof claims.sid !== 'string' || typeof claims.tv !== 'number' || typeof claims.exp !== 'number') {
    throw new Unauthorized('the access token is not valid');
  }
  return { userId, sessionId: claims.sid, expiresAt: claims.exp };
}

export const bearerToken = (header: string | undefined): string | undefined => /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];

/**
 * Role and granted cameras of a user, with the session still open: what the relay learns at
 * connect (its auth-state cache plus the grants query). One statement.
 */
export async function loadAccess(pool: pg.Pool, identity: Omit<Identity, 'role'>): Promise<{ role: 'admin' | 'user'; cameraIds: number[] }> {
  const { rows } = await pool.query<{ role: 'admin' | 'user'; can_login: boolean; open: boolean; camera_ids: number[] | null }>(
    `SELECT u.role, u.can_login,
            EXISTS (SELECT 1 FROM auth_sessions s WHERE s.id = $2 AND s.revoked_at IS NULL AND s.expires_at > now()) AS open,
            (SELECT array_agg(g.camera_id ORDER BY g.camera_id) FROM camera_grants g WHERE g.user_id = u.id) AS camera_ids
       FROM users u WHERE u.id = $1`,
    [identity.userId, identity.sessionId],
  );
  const row = rows[0];
  if (!row || !row.can_login || !row.open) throw new Unauthorized('the access token has been revoked');
  return { role: row.role, cameraIds: row.camera_ids ?? [] };
}

/** Per-user role, cached like the relay's auth-state cache (the benchmark never changes it). */
export class RoleCache {
  private readonly roles = new Map<number, Promise<'admin' | 'user'>>();

  constructor(private readonly pool: pg.Pool) {}

  role(identity: Omit<Identity, 'role'>): Promise<'admin' | 'user'> {
    let entry = this.roles.get(identity.userId);
    if (!entry) {
      entry = loadAccess(this.pool, identity).then((access) => access.role);
      this.roles.set(identity.userId, entry);
      entry.catch(() => this.roles.delete(identity.userId));
    }
    return entry;
  }
}

interface CameraRow {
  id: number;
  name: string;
  description: string;
  mtx_path: string;
  source_url: string;
  credential_id: number | null;
  rtsp_transport: string;
  is_enabled: boolean;
  created_at: Date;
  updated_at: Date;
  sync_state: 'ok' | 'pending' | null;
  sync_error: string | null;
}

const CAMERA_COLUMNS = `c.id, c.name, c.description, c.mtx_path, c.source_url, c.credential_id, c.rtsp_transport, c.is_enabled,
  c.created_at, c.updated_at, p.state AS sync_state, p.last_error AS sync_error`;

/** MediaMTX runtime status, cached one second per path like the relay's (MEDIAMTX_STATUS_CACHE_MS). */
export class RuntimeCache {
  private readonly cache = new Map<string, { at: number; runtime: Promise<{ available: boolean; online: boolean; readers: unknown[]; inboundBytes: number; tracks2?: Array<{ codec: string }> } | null | 'unreachable'> }>();

  constructor(private readonly apiUrl: string) {}

  runtime(path: string) {
    const now = Date.now();
    const cached = this.cache.get(path);
    if (cached && now - cached.at < 1000) return cached.runtime;
    const runtime = fetch(`${this.apiUrl}/v3/paths/get/${path.split('/').map(encodeURIComponent).join('/')}`).then(
      async (response) => (response.status === 404 ? null : response.ok ? ((await response.json()) as never) : ('unreachable' as const)),
      () => 'unreachable' as const,
    );
    this.cache.set(path, { at: now, runtime });
    return runtime;
  }
}

const base = 'rtsp://localhost:8554';
const hls = 'http://localhost:8888';
const webrtc = 'http://localhost:8889';

/**
 * `cameras.read`: the camera if the caller may see it, with its sync state and live status,
 * in the relay's answer shape. One SQL statement (the relay makes two: camera, then sync state).
 */
export async function readCamera(pool: pg.Pool, runtimes: RuntimeCache, identity: Identity, id: number): Promise<Record<string, unknown> | null> {
  const admin = identity.role === 'admin';
  const { rows } = admin
    ? await pool.query<CameraRow>(`SELECT ${CAMERA_COLUMNS} FROM cameras c LEFT JOIN mediamtx_paths p ON p.camera_id = c.id WHERE c.id = $1`, [id])
    : await pool.query<CameraRow>(
        `SELECT ${CAMERA_COLUMNS} FROM cameras c
           JOIN camera_grants g ON g.camera_id = c.id AND g.user_id = $2
           LEFT JOIN mediamtx_paths p ON p.camera_id = c.id
          WHERE c.id = $1`,
        [id, identity.userId],
      );
  const camera = rows[0];
  if (!camera) return null;
  let status: Record<string, unknown>;
  if (!camera.is_enabled) {
    status = { available: null, online: null, readers: null, inbound_bytes: null, tracks: [], sync: 'disabled', sync_error: null };
  } else {
    const runtime = await runtimes.runtime(camera.mtx_path);
    const known = runtime !== 'unreachable';
    status = {
      available: known ? (runtime?.available ?? false) : null,
      online: known ? (runtime?.online ?? false) : null,
      readers: known ? (runtime?.readers.length ?? 0) : null,
      inbound_bytes: known ? (runtime?.inboundBytes ?? 0) : null,
      tracks: known && runtime ? (runtime.tracks2?.map((track) => track.codec) ?? []) : [],
      sync: camera.sync_state ?? 'pending',
      sync_error: camera.sync_error,
    };
  }
  const view: Record<string, unknown> = {
    id: camera.id,
    name: camera.name,
    description: camera.description,
    mtx_path: camera.mtx_path,
    is_enabled: camera.is_enabled,
    urls: { rtsp: `${base}/${camera.mtx_path}`, hls: `${hls}/${camera.mtx_path}/index.m3u8`, webrtc: `${webrtc}/${camera.mtx_path}/whep` },
    status,
    created_at: camera.created_at.toISOString(),
    updated_at: camera.updated_at.toISOString(),
  };
  if (admin) Object.assign(view, { source_url: camera.source_url, credential_id: camera.credential_id, rtsp_transport: camera.rtsp_transport });
  return view;
}

export const secretsEqual = (given: string | undefined, expected: string): boolean => {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

export const errorBody = (status: number, code: string, message: string, context: Record<string, unknown> = {}) => ({
  error: { status, code, message, details: [], context },
});

/** Parses `^\d{1,10}$` or a positive integer, like the relay's entity ids. */
export function entityId(value: unknown): number | undefined {
  const id = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(id) && id >= 1 && id <= 2147483647 ? id : undefined;
}
