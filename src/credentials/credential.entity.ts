import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type CredentialKind = 'basic' | 'token' | 'oauth2';

/** How an oauth2 credential authenticates its client at the token endpoint (RFC 6749 §2.3.1). */
export const TOKEN_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
export type TokenAuthMethod = (typeof TOKEN_AUTH_METHODS)[number];
/** The method of an oauth2 credential created without one. */
export const DEFAULT_TOKEN_AUTH_METHOD: TokenAuthMethod = 'client_secret_basic';

/** Where an oauth2 credential's token refresh stands. */
export type AuthState = 'pending' | 'authenticated' | 'unauthenticated';

/** Secret fields hold ciphertext from SecretBox, never plaintext. */
@Entity({ name: 'credentials' })
export class Credential {
  /** Taken from credentials_id_seq before insert: the id is bound into each secret's ciphertext. */
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 200, default: '' })
  description!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: CredentialKind;

  @Column({ type: 'varchar', length: 255, nullable: true })
  username!: string | null;

  @Column({ name: 'client_id', type: 'varchar', length: 255, nullable: true })
  clientId!: string | null;

  @Column({ name: 'token_url', type: 'text', nullable: true })
  tokenUrl!: string | null;

  @Column({ type: 'text', nullable: true })
  scope!: string | null;

  @Column({ name: 'password_enc', type: 'text', nullable: true })
  passwordEnc!: string | null;

  @Column({ name: 'token_enc', type: 'text', nullable: true })
  tokenEnc!: string | null;

  @Column({ name: 'client_secret_enc', type: 'text', nullable: true })
  clientSecretEnc!: string | null;

  @Column({ name: 'refresh_token_enc', type: 'text', nullable: true })
  refreshTokenEnc!: string | null;

  @Column({ name: 'access_token_enc', type: 'text', nullable: true })
  accessTokenEnc!: string | null;

  @Column({ name: 'access_token_expires_at', type: 'timestamptz', nullable: true })
  accessTokenExpiresAt!: Date | null;

  @Column({ name: 'token_auth_method', type: 'varchar', length: 32, nullable: true })
  tokenAuthMethod!: TokenAuthMethod | null;

  @Column({ name: 'auth_state', type: 'varchar', length: 16, nullable: true })
  authState!: AuthState | null;

  /** Why the last refresh failed; never holds a secret. */
  @Column({ name: 'auth_error', type: 'text', nullable: true })
  authError!: string | null;

  /** Failed refreshes in a row, for the backoff. */
  @Column({ name: 'auth_failures', type: 'integer', default: 0 })
  authFailures!: number;

  /** When the token is to be refreshed next; while a refresh runs, the end of its lease. */
  @Column({ name: 'next_refresh_at', type: 'timestamptz', nullable: true })
  nextRefreshAt!: Date | null;

  /** When the token was last refreshed successfully; a failed refresh leaves it as it is. */
  @Column({ name: 'oauth2_refreshed_at', type: 'timestamptz', nullable: true })
  oauth2RefreshedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** Wire name of each secret field and the column that keeps its ciphertext. */
export const SECRET_COLUMNS = {
  password: 'passwordEnc',
  token: 'tokenEnc',
  client_secret: 'clientSecretEnc',
  refresh_token: 'refreshTokenEnc',
  access_token: 'accessTokenEnc',
} as const satisfies Record<string, keyof Credential>;

export type SecretField = keyof typeof SECRET_COLUMNS;

/** Associated data binding a ciphertext to its row and field. */
export const secretAad = (id: number, field: SecretField): string => `credentials:${id}:${field}`;
