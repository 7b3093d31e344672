import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { MediaMtxPath } from './mediamtx-path.entity.js';

export type PathRow = Pick<MediaMtxPath, 'name' | 'cameraId' | 'configHash' | 'state' | 'lastError'>;

/** The mediamtx_paths table: the paths the relay owns in MediaMTX. */
@Injectable()
export class MediaMtxPathsRepository {
  private readonly paths: Repository<MediaMtxPath>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.paths = dataSource.getRepository(MediaMtxPath);
  }

  findAll(): Promise<PathRow[]> {
    return this.paths.find();
  }

  /** Inserts the row, or replaces the one of that name. */
  async save(row: PathRow): Promise<void> {
    await this.paths.upsert(row, ['name']);
  }

  /** Paths in sync, waiting for a write, and failed (a write refused, or a conflict with a path the relay does not own). */
  async countBySyncState(): Promise<Record<'in_sync' | 'pending' | 'failed', number>> {
    const rows = await this.dataSource.query<Array<{ sync: 'in_sync' | 'pending' | 'failed'; paths: number }>>(
      `SELECT CASE WHEN state = 'ok' THEN 'in_sync' WHEN state = 'pending' AND last_error IS NULL THEN 'pending' ELSE 'failed' END AS sync, count(*)::int AS paths
         FROM mediamtx_paths GROUP BY 1`,
    );
    const counts = { in_sync: 0, pending: 0, failed: 0 };
    for (const row of rows) counts[row.sync] = row.paths;
    return counts;
  }

  async delete(name: string): Promise<void> {
    await this.paths.delete({ name });
  }
}
