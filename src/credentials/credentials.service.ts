import { Injectable } from '@nestjs/common';
import { fieldChanges, secretChanges } from '../audit/field-changes.js';
import { UnitOfWork } from '../audit/unit-of-work.js';
import { conflict, notFound, validationFailed } from '../common/errors.js';
import { runInScope } from '../common/request-scope.js';
import type { ListOptions, ListResult } from '../common/list-options.js';
import { SecretBox } from '../crypto/secret-box.js';
import { isForeignKeyViolation } from '../common/database-errors.js';
import { EventBus } from '../events/event-bus.js';
import { CredentialsRepository } from './credentials.repository.js';
import { DEFAULT_TOKEN_AUTH_METHOD, SECRET_COLUMNS, secretAad, type Credential, type CredentialKind, type SecretField, type TokenAuthMethod } from './credential.entity.js';
import type { CREDENTIAL_SORT_FIELDS, CreateCredentialDto, CredentialView, UpdateCredentialDto } from './credentials.schemas.js';

/** The wire fields each kind accepts (besides `description`), secrets included. */
const KIND_FIELDS: Record<CredentialKind, readonly string[]> = {
  basic: ['username', 'password'],
  token: ['token'],
  oauth2: ['client_id', 'client_secret', 'token_url', 'refresh_token', 'scope', 'token_auth_method'],
};

/** The oauth2 fields a token request is made of: changing one asks for a new token at once. */
const REFRESH_INPUTS = new Set(KIND_FIELDS.oauth2);

const KIND_SECRETS: Record<CredentialKind, readonly SecretField[]> = {
  basic: ['password'],
  token: ['token'],
  oauth2: ['client_secret', 'refresh_token', 'access_token'],
};

const PLAIN_COLUMNS = { username: 'username', client_id: 'clientId', token_url: 'tokenUrl', scope: 'scope' } as const;

/** The fields of a credential the audit log may show, by wire name: never a secret. */
const plainFields = (row: Credential): Record<string, unknown> => ({
  description: row.description,
  kind: row.kind,
  username: row.username,
  client_id: row.clientId,
  token_url: row.tokenUrl,
  scope: row.scope,
  token_auth_method: row.tokenAuthMethod,
});

/** The secrets given in a request, for the audit log to say `set` or `cleared` of. */
const secretsOf = (fields: Partial<Record<string, unknown>>): Record<string, string | null | undefined> =>
  Object.fromEntries(
    (['password', 'token', 'client_secret', 'refresh_token'] as const).map((field) => [field, fields[field] as string | null | undefined]),
  );

/** Names of whatever still uses a credential; cameras register one so deletion can refuse. */
export type CredentialUsage = (credentialId: number) => Promise<string[]>;

/** The decrypted secrets of a credential, for building a camera's source. Never sent to a client. */
export interface SourceSecrets {
  kind: CredentialKind;
  username?: string;
  password?: string;
  token?: string;
  accessToken?: string;
}

export function toCredentialView(row: Credential): CredentialView {
  const view: CredentialView = {
    id: row.id,
    description: row.description,
    kind: row.kind,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
  if (row.kind === 'basic') view.username = row.username ?? '';
  if (row.kind === 'oauth2') {
    view.client_id = row.clientId ?? '';
    view.token_url = row.tokenUrl ?? '';
    view.scope = row.scope;
    view.access_token_expires_at = row.accessTokenExpiresAt?.toISOString() ?? null;
    view.token_auth_method = row.tokenAuthMethod ?? DEFAULT_TOKEN_AUTH_METHOD;
    view.auth_state = row.authState ?? 'pending';
    view.auth_error = row.authError;
    view.next_refresh_at = row.nextRefreshAt?.toISOString() ?? null;
    view.last_refresh_at = row.oauth2RefreshedAt?.toISOString() ?? null;
  }
  for (const field of KIND_SECRETS[row.kind]) view[`${field}_set`] = row[SECRET_COLUMNS[field]] !== null;
  return view;
}

@Injectable()
export class CredentialsService {
  private readonly usages: CredentialUsage[] = [];

  constructor(
    private readonly credentials: CredentialsRepository,
    private readonly box: SecretBox,
    private readonly bus: EventBus,
    private readonly unit: UnitOfWork,
  ) {}

  /** Key ids that stored secrets use but no configured key matches: those secrets cannot be read. */
  async unreadableKeyIds(): Promise<string[]> {
    return (await this.credentials.secretKeyIds()).filter((kid) => !this.box.knows(kid));
  }

  registerUsage(usage: CredentialUsage): void {
    this.usages.push(usage);
  }

  async list(options: ListOptions<(typeof CREDENTIAL_SORT_FIELDS)[number]>): Promise<ListResult<CredentialView>> {
    const { rows, total } = await this.credentials.list(options);
    return { items: rows.map(toCredentialView), total, page: options.page, itemsPerPage: options.itemsPerPage };
  }

  async read(id: number): Promise<CredentialView> {
    return toCredentialView(await this.find(id));
  }

  async exists(id: number): Promise<boolean> {
    return this.credentials.exists(id);
  }

  async create(dto: CreateCredentialDto): Promise<CredentialView> {
    const row = await this.unit.run(async ({ manager, record }) => {
      // The id is taken first because it is bound into each secret's ciphertext.
      const id = await this.credentials.nextId(manager);
      const entity = this.credentials.build({ id, kind: dto.kind, description: dto.description });
      this.assign(entity, dto);
      if (dto.kind === 'oauth2') {
        entity.authState = 'pending';
        entity.nextRefreshAt = new Date();
      }
      await this.credentials.insert(manager, entity);
      const created = await this.credentials.getInTransaction(manager, id);
      record({ entity: id, changes: { ...fieldChanges(null, plainFields(created)), ...secretChanges(secretsOf(dto)) } });
      return created;
    });
    this.publish(row, 'created', {});
    return toCredentialView(row);
  }

  async update(id: number, dto: UpdateCredentialDto): Promise<CredentialView> {
    const row = await this.unit.run(async ({ manager, record }) => {
      // Locked so a token refresh finishing meanwhile is not overwritten with what was read here.
      const existing = await this.credentials.findInTransaction(manager, id, true);
      if (!existing) throw notFound('credential', id);
      this.assertFieldsFit(existing.kind, dto);
      const before = plainFields(existing);
      const { kind: _kind, ...changes } = dto;
      this.assign(existing, changes);
      if (existing.kind === 'oauth2' && Object.entries(changes).some(([field, value]) => value !== undefined && REFRESH_INPUTS.has(field))) {
        // Due now: this also voids the lease of a refresh under way, whose result is then dropped.
        existing.nextRefreshAt = new Date();
        existing.authFailures = 0;
      }
      await this.credentials.save(manager, existing);
      const updated = await this.credentials.getInTransaction(manager, id);
      const asked = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).filter(([field]) => changes[field as keyof typeof changes] !== undefined));
      record({ entity: id, changes: { ...fieldChanges(asked(before), asked(plainFields(updated))), ...secretChanges(secretsOf(changes)) } });
      return updated;
    });
    this.publish(row, 'updated', { changed: Object.keys(dto).filter((field) => field !== 'kind') });
    return toCredentialView(row);
  }

  async delete(id: number): Promise<{ id: number; deleted: true }> {
    const row = await this.find(id);
    const users = (await Promise.all(this.usages.map((usage) => usage(id)))).flat();
    if (users.length > 0) {
      throw conflict(`credential ${id} is used by: ${users.join(', ')}`, users.map((name) => ({ path: 'cameras', message: name })));
    }
    try {
      await this.unit.run(async ({ manager, record }) => {
        await this.credentials.delete(manager, id);
        record({ entity: id, changes: fieldChanges(plainFields(row), null) });
      });
    } catch (error) {
      // A camera took it up between the check and the delete.
      if (isForeignKeyViolation(error)) throw conflict(`credential ${id} is in use by a camera`);
      throw error;
    }
    this.publish(row, 'deleted', {});
    return { id, deleted: true };
  }

  async sourceSecrets(id: number): Promise<SourceSecrets> {
    const row = await this.find(id);
    const reveal = (field: SecretField): string | undefined => {
      const stored = row[SECRET_COLUMNS[field]];
      return stored === null ? undefined : this.box.decrypt(stored, secretAad(row.id, field));
    };
    return { kind: row.kind, username: row.username ?? undefined, password: reveal('password'), token: reveal('token'), accessToken: reveal('access_token') };
  }

  /** Re-encrypts every stored secret that is not under the current key; returns how many changed. */
  async reencryptAll(): Promise<number> {
    let changed = 0;
    const scope = { module: 'credentials', command: 'reencrypt', transport: 'console' as const, address: null, actor: null };
    await runInScope(scope, () =>
      this.unit.run(async ({ manager, record }) => {
        const rows = await this.credentials.findAllForUpdate(manager);
        for (const row of rows) {
          const moved: Record<string, string> = {};
          for (const field of Object.keys(SECRET_COLUMNS) as SecretField[]) {
            const stored = row[SECRET_COLUMNS[field]];
            if (stored === null || this.box.keyIdOf(stored) === this.box.currentKeyId) continue;
            row[SECRET_COLUMNS[field]] = this.box.encrypt(this.box.decrypt(stored, secretAad(row.id, field)), secretAad(row.id, field));
            moved[field] = 'set';
            changed += 1;
          }
          if (Object.keys(moved).length === 0) continue;
          await this.credentials.save(manager, row);
          record({ entity: row.id, changes: secretChanges(moved) });
        }
      }),
    );
    return changed;
  }

  private async find(id: number): Promise<Credential> {
    const row = await this.credentials.findById(id);
    if (!row) throw notFound('credential', id);
    return row;
  }

  private assertFieldsFit(kind: CredentialKind, dto: UpdateCredentialDto): void {
    const problems = [];
    if (dto.kind !== undefined && dto.kind !== kind) problems.push({ path: 'payload.kind', message: `cannot change from ${kind}; create a new credential instead` });
    for (const field of Object.keys(dto)) {
      if (field === 'kind' || field === 'description' || dto[field as keyof UpdateCredentialDto] === undefined) continue;
      if (!KIND_FIELDS[kind].includes(field)) problems.push({ path: `payload.${field}`, message: `does not apply to a ${kind} credential` });
    }
    if (problems.length > 0) throw validationFailed(problems);
  }

  /** Copies wire fields onto the entity, encrypting the secret ones under the row's id. */
  private assign(entity: Credential, fields: Partial<Record<string, string | null | undefined>>): void {
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined || field === 'kind') continue;
      if (field === 'description') entity.description = value ?? '';
      else if (field in SECRET_COLUMNS) entity[SECRET_COLUMNS[field as SecretField]] = value === null ? null : this.box.encrypt(value, secretAad(entity.id, field as SecretField));
      else if (field === 'token_auth_method') entity.tokenAuthMethod = value as TokenAuthMethod;
      else if (field in PLAIN_COLUMNS) entity[PLAIN_COLUMNS[field as keyof typeof PLAIN_COLUMNS]] = value;
    }
  }

  private publish(row: Credential, event: 'created' | 'updated' | 'deleted', extra: Record<string, unknown>): void {
    this.bus.publish('domain', { domain: 'credentials', entity: row.id, event, details: { description: row.description, kind: row.kind, ...extra } });
  }
}
