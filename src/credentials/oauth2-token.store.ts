import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SecretBox } from '../crypto/secret-box.js';
import { DEFAULT_TOKEN_AUTH_METHOD, secretAad, type AuthState, type TokenAuthMethod } from './credential.entity.js';

/** What a token request for one oauth2 credential is made of. Holds plaintext secrets: never log or send it. */
export interface TokenRequestInputs {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  scope: string | null;
  authMethod: TokenAuthMethod;
}

/** A due oauth2 credential this instance has taken a lease on, to refresh its token. */
export interface ClaimedRefresh {
  id: number;
  description: string;
  authState: AuthState;
  /** The lease's end, as stored in next_refresh_at: the writes below succeed only while it is still there. */
  leaseUntil: Date;
  /** Undefined when the stored secrets cannot be decrypted; `unreadable` says why. */
  inputs: TokenRequestInputs | undefined;
  unreadable?: string;
}

export interface StoredGrant {
  expiresAt: Date;
  nextRefreshAt: Date;
}

export interface StoredFailure {
  attempts: number;
  retryAt: Date;
}

interface DueRow {
  id: number;
  description: string;
  auth_state: AuthState | null;
  token_url: string | null;
  client_id: string | null;
  client_secret_enc: string | null;
  refresh_token_enc: string | null;
  scope: string | null;
  token_auth_method: TokenAuthMethod | null;
}

/**
 * The rows side of oauth2 token refresh. Every decision is taken in the database, so instances
 * sharing it never refresh one credential twice: a due row is claimed by moving its
 * next_refresh_at to the end of a lease, and a result is written only while that lease is
 * still in the row (a credential change or another instance's claim replaces it).
 * Written with plain SQL so refreshes leave `updated_at` to the admins' own changes.
 */
@Injectable()
export class OAuth2TokenStore {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly box: SecretBox,
  ) {}

  /** Milliseconds until the soonest oauth2 credential is due (0 or less: due now); null when none is scheduled. */
  async msUntilNextDue(): Promise<number | null> {
    const [row] = await this.dataSource.query<Array<{ ms: number | null }>>(
      `SELECT (EXTRACT(EPOCH FROM (min(next_refresh_at) - now())) * 1000)::float8 AS ms FROM credentials WHERE kind = 'oauth2'`,
    );
    return row?.ms ?? null;
  }

  /** Takes a lease until `leaseUntil` on every oauth2 credential that is due, and returns them. */
  async claimDue(leaseUntil: Date): Promise<ClaimedRefresh[]> {
    const rows = await this.update<DueRow>(
      `UPDATE credentials SET next_refresh_at = $1
        WHERE kind = 'oauth2' AND next_refresh_at <= now()
        RETURNING id, description, auth_state, token_url, client_id, client_secret_enc, refresh_token_enc, scope, token_auth_method`,
      [leaseUntil],
    );
    return rows.map((row) => this.toClaim(row, leaseUntil));
  }

  /** Stores a new access token (and a rotated refresh token); false when the lease was lost meanwhile. */
  async recordGrant(
    claim: ClaimedRefresh,
    grant: { accessToken: string; refreshToken?: string; expiresAt: Date; nextRefreshAt: Date },
  ): Promise<StoredGrant | undefined> {
    const accessToken = this.box.encrypt(grant.accessToken, secretAad(claim.id, 'access_token'));
    const refreshToken = grant.refreshToken === undefined ? null : this.box.encrypt(grant.refreshToken, secretAad(claim.id, 'refresh_token'));
    const updated = await this.updateUnderLease(
      claim,
      `access_token_enc = $3, access_token_expires_at = $4, refresh_token_enc = COALESCE($5, refresh_token_enc),
       auth_state = 'authenticated', auth_error = NULL, auth_failures = 0, next_refresh_at = $6, oauth2_refreshed_at = now()`,
      [accessToken, grant.expiresAt, refreshToken, grant.nextRefreshAt],
    );
    return updated ? { expiresAt: grant.expiresAt, nextRefreshAt: grant.nextRefreshAt } : undefined;
  }

  /**
   * Records a failed refresh and schedules the next attempt after `initialSeconds`, doubling
   * with each failure in a row up to `maxSeconds`; undefined when the lease was lost meanwhile.
   */
  async recordFailure(claim: ClaimedRefresh, error: string, backoff: { initialSeconds: number; maxSeconds: number }): Promise<StoredFailure | undefined> {
    // In SET, auth_failures is the count before this failure: the first waits initialSeconds.
    const row = await this.updateUnderLease(
      claim,
      `auth_state = 'unauthenticated', auth_error = $3, auth_failures = auth_failures + 1,
       next_refresh_at = now() + LEAST($4::float8 * power(2, LEAST(auth_failures, 30)), $5::float8) * interval '1 second'`,
      [error, backoff.initialSeconds, backoff.maxSeconds],
    );
    return row ? { attempts: row.auth_failures, retryAt: row.next_refresh_at } : undefined;
  }

  /** Gives a claimed credential back, due at once, without an attempt (this instance is stopping). */
  async release(claim: ClaimedRefresh): Promise<void> {
    await this.updateUnderLease(claim, 'next_refresh_at = now()', []);
  }

  private async updateUnderLease(claim: ClaimedRefresh, set: string, params: unknown[]): Promise<{ auth_failures: number; next_refresh_at: Date } | undefined> {
    const [row] = await this.update<{ auth_failures: number; next_refresh_at: Date }>(
      `UPDATE credentials SET ${set} WHERE id = $1 AND next_refresh_at = $2 RETURNING auth_failures, next_refresh_at`,
      [claim.id, claim.leaseUntil, ...params],
    );
    return row;
  }

  /** The rows an UPDATE … RETURNING gave back (TypeORM answers such a query with [rows, count]). */
  private async update<Row>(sql: string, params: unknown[]): Promise<Row[]> {
    const [rows] = await this.dataSource.query<[Row[], number]>(sql, params);
    return rows;
  }

  private toClaim(row: DueRow, leaseUntil: Date): ClaimedRefresh {
    const claim: ClaimedRefresh = { id: row.id, description: row.description, authState: row.auth_state ?? 'pending', leaseUntil, inputs: undefined };
    try {
      const reveal = (stored: string | null, field: 'client_secret' | 'refresh_token'): string => (stored === null ? '' : this.box.decrypt(stored, secretAad(row.id, field)));
      claim.inputs = {
        tokenUrl: row.token_url ?? '',
        clientId: row.client_id ?? '',
        clientSecret: reveal(row.client_secret_enc, 'client_secret'),
        refreshToken: reveal(row.refresh_token_enc, 'refresh_token'),
        scope: row.scope,
        authMethod: row.token_auth_method ?? DEFAULT_TOKEN_AUTH_METHOD,
      };
    } catch (error) {
      claim.unreadable = `the stored secrets cannot be decrypted: ${(error as Error).message}`;
    }
    return claim;
  }
}
