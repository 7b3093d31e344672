import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager, type Repository } from 'typeorm';
import { AuthSession, RefreshToken } from './session.entity.js';

export type NewSession = Pick<AuthSession, 'id' | 'userId' | 'tokenVersion' | 'expiresAt'>;

/** Login sessions and the refresh tokens that descend from them. Methods taking an EntityManager run inside the caller's transaction. */
@Injectable()
export class SessionsRepository {
  private readonly sessions: Repository<AuthSession>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.sessions = dataSource.getRepository(AuthSession);
  }

  async insert(manager: EntityManager, session: NewSession): Promise<void> {
    await manager.insert(AuthSession, { ...session, revokedAt: null });
  }

  findById(id: string): Promise<AuthSession | null> {
    return this.sessions.findOneBy({ id });
  }

  async revoke(id: string, at: Date, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.update(AuthSession, { id }, { revokedAt: at });
  }

  async insertRefreshToken(manager: EntityManager, tokenHash: string, sessionId: string): Promise<void> {
    await manager.insert(RefreshToken, { tokenHash, sessionId, usedAt: null });
  }

  findRefreshToken(manager: EntityManager, tokenHash: string): Promise<RefreshToken | null> {
    return manager.findOneBy(RefreshToken, { tokenHash });
  }

  getInTransaction(manager: EntityManager, id: string): Promise<AuthSession> {
    return manager.findOneByOrFail(AuthSession, { id });
  }

  /** Marks a refresh token used at `at`; false when it was used already. */
  async claimRefreshToken(manager: EntityManager, tokenHash: string, at: Date): Promise<boolean> {
    const claimed = await manager.update(RefreshToken, { tokenHash, usedAt: IsNull() }, { usedAt: at });
    return claimed.affected === 1;
  }
}
