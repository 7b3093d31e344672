import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { fieldChanges, secretChanges } from '../audit/field-changes.js';
import { UnitOfWork } from '../audit/unit-of-work.js';
import { CameraGrantsService } from '../cameras/camera-grants.service.js';
import { isAdmin, type AuthContext, type Role } from '../common/auth-context.js';
import { conflict, forbidden, notFound, validationFailed } from '../common/errors.js';
import type { ListOptions, ListResult } from '../common/list-options.js';
import { isUniqueViolation } from '../common/database-errors.js';
import { runInScope } from '../common/request-scope.js';
import { EventBus } from '../events/event-bus.js';
import { LoginThrottle } from './login-throttle.js';
import { PasswordHasher } from './password-hasher.js';
import type { User } from './user.entity.js';
import { UsersRepository, type UserChanges, type ViewedUser } from './users.repository.js';
import type { CreateUserDto, UpdateUserDto, USER_SORT_FIELDS, UserView } from './users.schemas.js';

/** What authentication needs to know about a user, kept small so it can be cached. */
export interface UserAuthState {
  id: number;
  username: string;
  role: Role;
  canLogin: boolean;
  tokenVersion: number;
}

export function toUserView(user: ViewedUser, cameraIds: number[]): UserView {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    can_login: user.canLogin,
    camera_ids: cameraIds,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

/** The operator at the server's console (npm run reset-password): acts as an admin, outside any session. */
const CONSOLE_OPERATOR: AuthContext = { userId: 0, username: '(console)', role: 'admin', sessionId: '', expiresAt: Number.MAX_SAFE_INTEGER, tokenVersion: 0 };

/** The fields of `fields` that `given` sets: an update compares only what it was asked to change. */
const given = (fields: Record<string, unknown>, changed: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fields).filter(([field]) => changed[field] !== undefined));

const authState = (user: User): UserAuthState => ({
  id: user.id,
  username: user.username,
  role: user.role,
  canLogin: user.canLogin,
  tokenVersion: user.tokenVersion,
});

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly grants: CameraGrantsService,
    private readonly bus: EventBus,
    private readonly unit: UnitOfWork,
  ) {}

  async list(_auth: AuthContext, options: ListOptions<(typeof USER_SORT_FIELDS)[number]>): Promise<ListResult<UserView>> {
    const { rows, total } = await this.users.list(options);
    const grants = await this.grants.cameraIdsOfMany(rows.map((user) => user.id));
    return { items: rows.map((user) => toUserView(user, grants.get(user.id) ?? [])), total, page: options.page, itemsPerPage: options.itemsPerPage };
  }

  async read(auth: AuthContext, id: number): Promise<UserView> {
    return this.view(await this.findVisible(auth, id));
  }

  /** The public view of a user, for login answers. */
  async viewOf(id: number): Promise<UserView> {
    const user = await this.findView(id);
    if (!user) throw notFound('user', id);
    return user;
  }

  /** The public view of a user, or null when there is none: read on every socket handshake. */
  async findView(id: number): Promise<UserView | null> {
    // The two reads side by side.
    const [user, cameraIds] = await Promise.all([this.users.findView(id), this.grants.cameraIdsOf(id)]);
    return user ? toUserView(user, cameraIds) : null;
  }

  private async view(user: User): Promise<UserView> {
    return toUserView(user, await this.grants.cameraIdsOf(user.id));
  }

  async create(_auth: AuthContext, dto: CreateUserDto): Promise<UserView> {
    const user = await this.insert(dto);
    this.bus.publish('domain', { domain: 'users', entity: user.id, event: 'created', details: { username: user.username, role: user.role } });
    return toUserView(user, dto.camera_ids);
  }

  async update(auth: AuthContext, id: number, dto: UpdateUserDto): Promise<UserView> {
    const target = await this.findVisible(auth, id);
    let revokes = false;
    if (!isAdmin(auth) && (dto.role !== undefined || dto.can_login !== undefined || dto.camera_ids !== undefined)) {
      throw forbidden('only an admin may change role, can_login or camera_ids');
    }
    // An admin resetting someone else's password does not know it; anyone changing their own does.
    if (dto.password !== undefined && auth.userId === id) await this.verifyCurrentPassword(target, dto.current_password);
    const passwordHash = dto.password === undefined ? undefined : await this.hasher.hash(dto.password);
    const user = await this.unit.run(async ({ manager, record }) => {
      // Decided on the row as it is under the lock, not as it was read before the transaction.
      const accessChange = dto.role !== undefined || dto.can_login !== undefined;
      if (dto.role === 'user' || dto.can_login === false) await this.users.lockAdminChanges(manager);
      const current = await this.users.findInTransaction(manager, id, accessChange);
      if (!current) throw notFound('user', id);
      const losesAdmin = current.role === 'admin' && current.canLogin && (dto.role === 'user' || dto.can_login === false);
      if (losesAdmin) await this.assertAnotherActiveAdmin(manager, id, 'demote or disable');
      revokes = passwordHash !== undefined || (dto.can_login === false && current.canLogin);
      const changes: UserChanges = {};
      if (dto.username !== undefined) changes.username = dto.username;
      if (dto.role !== undefined) changes.role = dto.role;
      if (dto.can_login !== undefined) changes.canLogin = dto.can_login;
      if (passwordHash !== undefined) changes.passwordHash = passwordHash;
      if (revokes) changes.bumpTokenVersion = true;
      await this.uniqueUsername(dto.username, () => this.users.update(manager, id, changes));
      const grantsBefore = dto.camera_ids === undefined ? undefined : await this.grants.cameraIdsIn(manager, id);
      if (dto.camera_ids !== undefined) await this.grants.replace(manager, id, dto.camera_ids);
      const before = { username: current.username, role: current.role, can_login: current.canLogin, camera_ids: grantsBefore };
      const after = { username: dto.username, role: dto.role, can_login: dto.can_login, camera_ids: dto.camera_ids };
      record({ entity: id, changes: { ...fieldChanges(given(before, after), given(after, after)), ...secretChanges({ password: dto.password }) } });
      return this.users.getInTransaction(manager, id);
    });
    const view = await this.view(user);
    const changed = Object.keys(dto).filter((field) => field !== 'password' && field !== 'current_password');
    this.bus.publish('domain', {
      domain: 'users',
      entity: id,
      event: 'updated',
      details: { username: user.username, role: user.role, changed: passwordHash ? [...changed, 'password'] : changed },
    });
    if (revokes) this.bus.publish('user.revoked', { userId: id, reason: passwordHash ? 'password changed' : 'login disabled' });
    if (dto.role !== undefined || dto.camera_ids !== undefined) {
      this.bus.publish('access.changed', { userId: id, role: user.role, cameraIds: view.camera_ids });
    }
    return view;
  }

  async delete(auth: AuthContext, id: number): Promise<{ id: number; deleted: true }> {
    if (auth.userId === id) throw forbidden('you cannot delete yourself');
    const user = await this.findVisible(auth, id);
    await this.unit.run(async ({ manager, record }) => {
      if (user.role === 'admin') await this.assertAnotherActiveAdmin(manager, id, 'delete');
      await this.users.delete(manager, id);
      record({ entity: id, changes: fieldChanges({ username: user.username, role: user.role, can_login: user.canLogin }, null) });
    });
    this.bus.publish('user.revoked', { userId: id, reason: 'user deleted' });
    this.bus.publish('domain', { domain: 'users', entity: id, event: 'deleted', details: { username: user.username } });
    return { id, deleted: true };
  }

  /** The first start creates the `admin` account; later starts leave the users alone. */
  async ensureInitialAdmin(password: string): Promise<boolean> {
    if ((await this.users.count()) > 0) return false;
    await this.insert({ username: 'admin', password, role: 'admin', can_login: true, camera_ids: [] });
    return true;
  }

  /** Whether `password` is the current password of `username`: the start-up check of ADMIN_PASSWORD. */
  async hasPassword(username: string, password: string): Promise<boolean> {
    const user = await this.users.findForLogin(username);
    return user !== null && (await this.hasher.verify(user.passwordHash, password));
  }

  /**
   * The operator's way back in: a new password for `username`, which ends every session and
   * token of that user (as any password change does), and with `enable` lets the user log in
   * again. Also says how many admins can log in afterwards.
   */
  async resetPassword(username: string, password: string, enable: boolean): Promise<{ user: UserView; adminsWhoCanLogIn: number }> {
    const found = await this.users.findForLogin(username);
    if (!found) throw notFound('user', username);
    const scope = { module: 'users', command: 'update', transport: 'console' as const, address: null, actor: null };
    const user = await runInScope(scope, () => this.update(CONSOLE_OPERATOR, found.id, enable ? { password, can_login: true } : { password }));
    return { user, adminsWhoCanLogIn: await this.users.countActiveAdmins() };
  }

  /** What the user may see now: their role and granted cameras; null when the user is gone. */
  async accessOf(id: number): Promise<{ role: Role; cameraIds: number[] } | null> {
    const user = await this.findView(id);
    return user && { role: user.role, cameraIds: user.camera_ids };
  }

  async findAuthState(id: number): Promise<UserAuthState | null> {
    const user = await this.users.findById(id);
    return user ? authState(user) : null;
  }

  /** The user of that name with their password hash, for a login attempt. */
  async findForLogin(username: string): Promise<(UserAuthState & { passwordHash: string }) | null> {
    const user = await this.users.findForLogin(username);
    return user ? { ...authState(user), passwordHash: user.passwordHash } : null;
  }

  private async insert(dto: CreateUserDto): Promise<User> {
    const passwordHash = await this.hasher.hash(dto.password);
    return this.unit.run(async ({ manager, record }) => {
      const user = await this.uniqueUsername(dto.username, () =>
        this.users.insert(manager, { username: dto.username, role: dto.role, canLogin: dto.can_login, passwordHash }),
      );
      await this.grants.replace(manager, user.id, dto.camera_ids);
      const fields = { username: dto.username, role: dto.role, can_login: dto.can_login, camera_ids: dto.camera_ids };
      // Named: the first start's admin is made outside any command.
      record({ module: 'users', command: 'create', entity: user.id, changes: { ...fieldChanges(null, fields), ...secretChanges({ password: dto.password }) } });
      return user;
    });
  }

  /**
   * Changing one's own password needs the current one, so that a stolen access token cannot take
   * the account for good. A wrong one counts against the account's login backoff.
   */
  private async verifyCurrentPassword(user: User, current: string | undefined): Promise<void> {
    if (current === undefined) {
      throw validationFailed([{ path: 'payload.current_password', message: 'is required to change your own password' }], 'changing your own password needs your current password');
    }
    await this.throttle.beginAttempt(user.username);
    const hash = await this.users.passwordHashOf(user.id);
    if (hash === null) throw notFound('user', user.id);
    if (!(await this.hasher.verify(hash, current))) {
      throw validationFailed([{ path: 'payload.current_password', message: 'is not your current password' }], 'the current password is not right');
    }
    await this.throttle.recordSuccess(user.username);
  }

  /** A user sees only themselves; anyone else's account does not exist for them. */
  private async findVisible(auth: AuthContext, id: number): Promise<User> {
    const user = isAdmin(auth) || auth.userId === id ? await this.users.findById(id) : null;
    if (!user) throw notFound('user', id);
    return user;
  }

  private async assertAnotherActiveAdmin(manager: EntityManager, exceptId: number, action: string): Promise<void> {
    // Re-entrant within the transaction: update() may hold it already.
    await this.users.lockAdminChanges(manager);
    if ((await this.users.countOtherActiveAdmins(manager, exceptId)) === 0) throw conflict(`you cannot ${action} the last admin who can log in`);
  }

  private async uniqueUsername<T>(username: string | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`username ${username ?? ''} is already taken`, [{ path: 'username', message: 'is already taken' }]);
      throw error;
    }
  }
}
