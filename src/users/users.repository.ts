import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { ListOptions } from '../common/list-options.js';
import { likePattern, paginate } from '../common/pagination.js';
import { User } from './user.entity.js';
import type { USER_SORT_FIELDS } from './users.schemas.js';

const SORT_COLUMNS: Record<(typeof USER_SORT_FIELDS)[number], string> = {
  id: 'user.id',
  username: 'lower(user.username)',
  role: 'user.role',
  created_at: 'user.createdAt',
  updated_at: 'user.updatedAt',
};

// Serialises every change that could leave the server without an active admin.
const ADMIN_CHANGE_LOCK = 7_100_001;

const FIND_VIEW = 'SELECT id, username, role, can_login AS "canLogin", created_at AS "createdAt", updated_at AS "updatedAt" FROM users WHERE id = $1';

/** The columns a user's public view shows. */
export type ViewedUser = Pick<User, 'id' | 'username' | 'role' | 'canLogin' | 'createdAt' | 'updatedAt'>;

export type NewUser = Pick<User, 'username' | 'role' | 'canLogin' | 'passwordHash'>;

/** `bumpTokenVersion` voids every session and access token issued before. */
export type UserChanges = Partial<NewUser> & { bumpTokenVersion?: boolean };

/** The users table. Methods taking an EntityManager run inside the caller's transaction. */
@Injectable()
export class UsersRepository {
  private readonly users: Repository<User>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.users = dataSource.getRepository(User);
  }

  list(options: ListOptions<(typeof USER_SORT_FIELDS)[number]>): Promise<{ rows: User[]; total: number }> {
    const query = this.users.createQueryBuilder('user');
    if (options.search) query.where('user.username ILIKE :pattern', { pattern: likePattern(options.search) });
    return paginate(query, options, SORT_COLUMNS, 'user.id');
  }

  /** Plain SQL: read on every socket handshake. */
  async findView(id: number): Promise<ViewedUser | null> {
    const [user] = await this.dataSource.query<ViewedUser[]>(FIND_VIEW, [id]);
    return user ?? null;
  }

  findById(id: number): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /** Locked against concurrent writes until the transaction ends when `forUpdate`. */
  findInTransaction(manager: EntityManager, id: number, forUpdate: boolean): Promise<User | null> {
    return manager.findOne(User, { where: { id }, ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  getInTransaction(manager: EntityManager, id: number): Promise<User> {
    return manager.findOneByOrFail(User, { id });
  }

  async passwordHashOf(id: number): Promise<string | null> {
    const user = await this.users.createQueryBuilder('user').select('user.id').addSelect('user.passwordHash').where('user.id = :id', { id }).getOne();
    return user?.passwordHash ?? null;
  }

  /** The user of that name, case-insensitively, with the password hash. */
  findForLogin(username: string): Promise<User | null> {
    return this.users.createQueryBuilder('user').addSelect('user.passwordHash').where('lower(user.username) = lower(:username)', { username }).getOne();
  }

  count(): Promise<number> {
    return this.users.count();
  }

  async insert(manager: EntityManager, fields: NewUser): Promise<User> {
    const user = manager.create(User, fields);
    await manager.save(user);
    return user;
  }

  async update(manager: EntityManager, id: number, { bumpTokenVersion, ...fields }: UserChanges): Promise<void> {
    const changes: QueryDeepPartialEntity<User> = fields;
    if (bumpTokenVersion) changes.tokenVersion = () => 'token_version + 1';
    await manager.update(User, { id }, changes);
  }

  async delete(manager: EntityManager, id: number): Promise<void> {
    await manager.delete(User, { id });
  }

  /** Takes ADMIN_CHANGE_LOCK until the transaction ends; taking it again in the same transaction is a no-op. */
  async lockAdminChanges(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_CHANGE_LOCK]);
  }

  countActiveAdmins(): Promise<number> {
    return this.users.countBy({ role: 'admin', canLogin: true });
  }

  /** Admins who can log in, other than `exceptId`. */
  countOtherActiveAdmins(manager: EntityManager, exceptId: number): Promise<number> {
    return manager.createQueryBuilder(User, 'user').where('user.role = :role AND user.canLogin AND user.id <> :id', { role: 'admin', id: exceptId }).getCount();
  }
}
