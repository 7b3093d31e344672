import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import type { ListOptions } from '../common/list-options.js';
import { likePattern, paginate } from '../common/pagination.js';
import { Credential, SECRET_COLUMNS } from './credential.entity.js';
import type { CREDENTIAL_SORT_FIELDS } from './credentials.schemas.js';

const SORT_COLUMNS: Record<(typeof CREDENTIAL_SORT_FIELDS)[number], string> = {
  id: 'credential.id',
  description: 'lower(credential.description)',
  kind: 'credential.kind',
  created_at: 'credential.createdAt',
  updated_at: 'credential.updatedAt',
};

/**
 * The credentials table, as admins change it (token refresh has its own store). Methods taking
 * an EntityManager run inside the caller's transaction.
 */
@Injectable()
export class CredentialsRepository {
  private readonly credentials: Repository<Credential>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.credentials = dataSource.getRepository(Credential);
  }

  /** The key id of every stored secret, each once. */
  async secretKeyIds(): Promise<string[]> {
    const columns = Object.values(SECRET_COLUMNS).map((column) => this.credentials.metadata.findColumnWithPropertyName(column)?.databaseName);
    const union = columns.map((column) => `SELECT DISTINCT split_part(${column}, ':', 2) AS kid FROM credentials WHERE ${column} IS NOT NULL`).join(' UNION ');
    const rows = await this.dataSource.query<Array<{ kid: string }>>(union);
    return rows.map((row) => row.kid);
  }

  list(options: ListOptions<(typeof CREDENTIAL_SORT_FIELDS)[number]>): Promise<{ rows: Credential[]; total: number }> {
    const query = this.credentials.createQueryBuilder('credential');
    if (options.search) query.where('credential.description ILIKE :pattern', { pattern: likePattern(options.search) });
    return paginate(query, options, SORT_COLUMNS, 'credential.id');
  }

  exists(id: number): Promise<boolean> {
    return this.credentials.existsBy({ id });
  }

  findById(id: number): Promise<Credential | null> {
    return this.credentials.findOne({ where: { id } });
  }

  /** Locked against concurrent writes until the transaction ends when `forUpdate`. */
  findInTransaction(manager: EntityManager, id: number, forUpdate: boolean): Promise<Credential | null> {
    return manager.findOne(Credential, { where: { id }, lock: forUpdate ? { mode: 'pessimistic_write' } : undefined });
  }

  getInTransaction(manager: EntityManager, id: number): Promise<Credential> {
    return manager.findOneByOrFail(Credential, { id });
  }

  /** Every credential, locked against concurrent writes until the transaction ends. */
  findAllForUpdate(manager: EntityManager): Promise<Credential[]> {
    return manager.find(Credential, { lock: { mode: 'pessimistic_write' } });
  }

  /** The id the next credential gets, taken from the sequence ahead of the insert. */
  async nextId(manager: EntityManager): Promise<number> {
    const [{ id }] = await manager.query<Array<{ id: number }>>(`SELECT nextval('credentials_id_seq')::int AS id`);
    return id;
  }

  build(fields: Pick<Credential, 'id' | 'kind' | 'description'>): Credential {
    return this.credentials.create(fields);
  }

  async insert(manager: EntityManager, credential: Credential): Promise<void> {
    await manager.insert(Credential, credential);
  }

  async save(manager: EntityManager, credential: Credential): Promise<void> {
    await manager.save(Credential, credential);
  }

  async delete(manager: EntityManager, id: number): Promise<void> {
    await manager.delete(Credential, { id });
  }
}
