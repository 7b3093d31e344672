import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { CamerasService } from '../cameras/cameras.service.js';
import { isAdmin, type AuthContext } from '../common/auth-context.js';
import { notFound } from '../common/errors.js';
import { likePattern, paginate, type ListOptions, type ListResult } from '../common/list-options.js';
import { StreamToken } from './stream-token.entity.js';
import { STREAM_TOKEN_PREFIX, type CreateTokenDto, type CreatedToken, type TOKEN_SORT_FIELDS, type TokenView } from './tokens.schemas.js';

const DEFAULT_LIFETIME_MS = 30 * 86_400_000;
const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

const SORT_COLUMNS: Record<(typeof TOKEN_SORT_FIELDS)[number], string> = {
  id: 'token.id',
  created_at: 'token.createdAt',
  expires_at: 'token.expiresAt',
  label: 'lower(token.label)',
};

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
}

export type RevokeListener = (tokenId: number) => Promise<number>;

/** Read-only tokens for one camera each (what Home Assistant and similar use). */
@Injectable()
export class StreamTokensService {
  private readonly tokens: Repository<StreamToken>;
  private revokeListener: RevokeListener | undefined;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    private readonly cameras: CamerasService,
  ) {
    this.tokens = dataSource.getRepository(StreamToken);
  }

  /** Called on revocation with the token id; answers how many sessions it ended. */
  onRevoke(listener: RevokeListener): void {
    this.revokeListener = listener;
  }

  async list(auth: AuthContext, options: ListOptions<(typeof TOKEN_SORT_FIELDS)[number]>): Promise<ListResult<TokenView>> {
    const query = this.tokens.createQueryBuilder('token');
    if (!isAdmin(auth)) query.where('token.userId = :userId', { userId: auth.userId });
    if (options.search) query.andWhere('token.label ILIKE :pattern', { pattern: likePattern(options.search) });
    const { rows, total } = await paginate(query, options, SORT_COLUMNS, 'token.id');
    return { items: rows.map(toView), total, page: options.page, itemsPerPage: options.itemsPerPage };
  }

  async read(auth: AuthContext, id: number): Promise<TokenView> {
    return toView(await this.findVisible(auth, id));
  }

  /** Mints a token for a camera the caller may watch; the token itself is shown only in this answer. */
  async create(auth: AuthContext, dto: CreateTokenDto): Promise<CreatedToken> {
    const camera = await this.cameras.read(auth, dto.camera_id);
    const token = `${STREAM_TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
    const row = await this.tokens.save(
      this.tokens.create({
        userId: auth.userId,
        cameraId: camera.id,
        label: dto.label,
        tokenHash: hashToken(token),
        expiresAt: dto.expires_at ?? new Date(Date.now() + DEFAULT_LIFETIME_MS),
        revokedAt: null,
        lastUsedAt: null,
      }),
    );
    const rtsp = new URL(camera.urls.rtsp);
    rtsp.username = encodeURIComponent(auth.username);
    rtsp.password = token;
    return { ...toView(row), token, urls: { rtsp: rtsp.toString(), hls: `${camera.urls.hls}?token=${token}` } };
  }

  async revoke(auth: AuthContext, id: number): Promise<{ id: number; deleted: true; kicked: number }> {
    const row = await this.findVisible(auth, id);
    if (!row.revokedAt) await this.tokens.update({ id }, { revokedAt: new Date() });
    const kicked = (await this.revokeListener?.(id)) ?? 0;
    return { id, deleted: true, kicked };
  }

  /** The holder of a token that is known, not revoked and not expired; null otherwise. */
  async verify(token: string): Promise<StreamTokenHolder | null> {
    const row = await this.tokens.findOneBy({ tokenHash: hashToken(token) });
    if (!row || row.revokedAt !== null || row.expiresAt.getTime() <= Date.now()) return null;
    void this.tokens.update({ id: row.id }, { lastUsedAt: new Date() }).catch(() => undefined);
    return { tokenId: row.id, userId: row.userId, cameraId: row.cameraId };
  }

  private async findVisible(auth: AuthContext, id: number): Promise<StreamToken> {
    const row = await this.tokens.findOneBy(isAdmin(auth) ? { id } : { id, userId: auth.userId });
    if (!row) throw notFound('token', id);
    return row;
  }
}
