import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import type { ListOptions } from '../common/list-options.js';
import { likePattern, paginate } from '../common/pagination.js';
import { StreamToken } from './stream-token.entity.js';
import type { TOKEN_SORT_FIELDS } from './tokens.schemas.js';

const SORT_COLUMNS: Record<(typeof TOKEN_SORT_FIELDS)[number], string> = {
  id: 'token.id',
  created_at: 'token.createdAt',
  expires_at: 'token.expiresAt',
  label: 'lower(token.label)',
};

export type NewStreamToken = Pick<StreamToken, 'userId' | 'cameraId' | 'label' | 'tokenHash' | 'expiresAt'>;

/** The stream_tokens table. Where `ownerId` is given, only that user's tokens exist; the others are not found. */
@Injectable()
export class StreamTokensRepository {
  private readonly tokens: Repository<StreamToken>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.tokens = dataSource.getRepository(StreamToken);
  }

  list(options: ListOptions<(typeof TOKEN_SORT_FIELDS)[number]>, ownerId: number | undefined): Promise<{ rows: StreamToken[]; total: number }> {
    const query = this.tokens.createQueryBuilder('token');
    if (ownerId !== undefined) query.where('token.userId = :userId', { userId: ownerId });
    if (options.search) query.andWhere('token.label ILIKE :pattern', { pattern: likePattern(options.search) });
    return paginate(query, options, SORT_COLUMNS, 'token.id');
  }

  find(id: number, ownerId: number | undefined): Promise<StreamToken | null> {
    return this.tokens.findOneBy(ownerId === undefined ? { id } : { id, userId: ownerId });
  }

  findByHash(tokenHash: string): Promise<StreamToken | null> {
    return this.tokens.findOneBy({ tokenHash });
  }

  create(manager: EntityManager, fields: NewStreamToken): Promise<StreamToken> {
    return manager.save(manager.create(StreamToken, { ...fields, revokedAt: null, lastUsedAt: null }));
  }

  async markRevoked(manager: EntityManager, id: number, at: Date): Promise<void> {
    await manager.update(StreamToken, { id }, { revokedAt: at });
  }

  async markUsed(id: number, at: Date): Promise<void> {
    await this.tokens.update({ id }, { lastUsedAt: at });
  }
}
