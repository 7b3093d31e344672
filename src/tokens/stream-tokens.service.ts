import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { fieldChanges, secretChanges } from '../audit/field-changes.js';
import { UnitOfWork } from '../audit/unit-of-work.js';
import { CamerasService } from '../cameras/cameras.service.js';
import { isAdmin, type AuthContext } from '../common/auth-context.js';
import { notFound } from '../common/errors.js';
import type { ListOptions, ListResult } from '../common/list-options.js';
import { EventBus } from '../events/event-bus.js';
import type { StreamToken } from './stream-token.entity.js';
import { StreamTokensRepository } from './stream-tokens.repository.js';
import { STREAM_TOKEN_PREFIX, type CreateTokenDto, type CreatedToken, type TOKEN_SORT_FIELDS, type TokenView } from './tokens.schemas.js';

const DEFAULT_LIFETIME_MS = 30 * 86_400_000;
const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export const isStreamToken = (value: string | undefined): value is string => value?.startsWith(STREAM_TOKEN_PREFIX) ?? false;

const toView = (row: StreamToken): TokenView => ({
  id: row.id,
  user_id: row.userId,
  camera_id: row.cameraId,
  label: row.label,
  created_at: row.createdAt.toISOString(),
  expires_at: row.expiresAt.toISOString(),
  revoked_at: row.revokedAt?.toISOString() ?? null,
  last_used_at: row.lastUsedAt?.toISOString() ?? null,
});

/** Someone holding a valid stream token. */
export interface StreamTokenHolder {
  tokenId: number;
  userId: number;
  cameraId: number;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export type RevokeListener = (tokenId: number) => Promise<number>;

/** Read-only tokens for one camera each (what Home Assistant and similar use). */
@Injectable()
export class StreamTokensService {
  private revokeListener: RevokeListener | undefined;

  constructor(
    private readonly tokens: StreamTokensRepository,
    private readonly cameras: CamerasService,
    private readonly bus: EventBus,
    private readonly unit: UnitOfWork,
  ) {}

  /** Called on revocation with the token id; answers how many sessions it ended. */
  onRevoke(listener: RevokeListener): void {
    this.revokeListener = listener;
  }

  async list(auth: AuthContext, options: ListOptions<(typeof TOKEN_SORT_FIELDS)[number]>): Promise<ListResult<TokenView>> {
    const { rows, total } = await this.tokens.list(options, this.ownerOf(auth));
    return { items: rows.map(toView), total, page: options.page, itemsPerPage: options.itemsPerPage };
  }

  async read(auth: AuthContext, id: number): Promise<TokenView> {
    return toView(await this.findVisible(auth, id));
  }

  /** Mints a token for a camera the caller may watch; the token itself is shown only in this answer. */
  async create(auth: AuthContext, dto: CreateTokenDto): Promise<CreatedToken> {
    const camera = await this.cameras.read(auth, dto.camera_id);
    const token = `${STREAM_TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
    const row = await this.unit.run(async ({ manager, record }) => {
      const created = await this.tokens.create(manager, {
        userId: auth.userId,
        cameraId: camera.id,
        label: dto.label,
        tokenHash: hashToken(token),
        expiresAt: dto.expires_at ?? new Date(Date.now() + DEFAULT_LIFETIME_MS),
      });
      const fields = { user_id: created.userId, camera_id: created.cameraId, label: created.label, expires_at: created.expiresAt };
      record({ entity: created.id, changes: { ...fieldChanges(null, fields), ...secretChanges({ token }) } });
      return created;
    });
    this.publish(row, 'created');
    const rtsp = new URL(camera.urls.rtsp);
    rtsp.username = encodeURIComponent(auth.username);
    rtsp.password = token;
    return { ...toView(row), token, urls: { rtsp: rtsp.toString(), hls: `${camera.urls.hls}?token=${token}` } };
  }

  async revoke(auth: AuthContext, id: number): Promise<{ id: number; deleted: true; kicked: number }> {
    const row = await this.findVisible(auth, id);
    await this.unit.run(async ({ manager, record }) => {
      const revokedAt = row.revokedAt ?? new Date();
      if (!row.revokedAt) await this.tokens.markRevoked(manager, id, revokedAt);
      // Revoking again still ends the sessions the token opened: recorded, with nothing changed.
      record({ entity: id, changes: fieldChanges({ revoked_at: row.revokedAt }, { revoked_at: revokedAt }) });
    });
    if (!row.revokedAt) this.publish(row, 'revoked');
    const kicked = (await this.revokeListener?.(id)) ?? 0;
    // After the local kick (which counts the sessions it ends); other instances hear it too.
    this.bus.publish('stream-token.revoked', { tokenId: id, userId: row.userId });
    return { id, deleted: true, kicked };
  }

  /** The holder of a token that is known, not revoked and not expired; null otherwise. */
  async verify(token: string): Promise<StreamTokenHolder | null> {
    const row = await this.tokens.findByHash(hashToken(token));
    if (!row || row.revokedAt !== null || row.expiresAt.getTime() <= Date.now()) return null;
    void this.tokens.markUsed(row.id, new Date()).catch(() => undefined);
    return { tokenId: row.id, userId: row.userId, cameraId: row.cameraId, expiresAt: row.expiresAt.getTime() };
  }

  /** `tokens:created` / `tokens:revoked`, to admins and the token's owner (never the token itself). */
  private publish(row: StreamToken, event: 'created' | 'revoked'): void {
    this.bus.publish('domain', { domain: 'tokens', entity: row.id, event, details: { user_id: row.userId, camera_id: row.cameraId, label: row.label } });
  }

  /** An admin sees every token; a user only their own, and nothing of the rest. */
  private ownerOf(auth: AuthContext): number | undefined {
    return isAdmin(auth) ? undefined : auth.userId;
  }

  private async findVisible(auth: AuthContext, id: number): Promise<StreamToken> {
    const row = await this.tokens.find(id, this.ownerOf(auth));
    if (!row) throw notFound('token', id);
    return row;
  }
}
