import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CameraState } from '../events/retained-states.js';

/** The SQL of `camera_states`: each camera's last stream status and the seq of the event that set it. */
@Injectable()
export class CameraStatesRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async read(cameraIds: readonly number[] | null): Promise<CameraState[]> {
    const rows = await this.dataSource.query<Array<{ camera_id: number; ready: boolean; readers: number; seq: string; at: Date }>>(
      `SELECT camera_id, ready, readers, seq, at FROM camera_states WHERE $1::int[] IS NULL OR camera_id = ANY($1::int[]) ORDER BY camera_id`,
      [cameraIds],
    );
    return rows.map((row) => ({ cameraId: row.camera_id, ready: row.ready, readers: row.readers, seq: Number(row.seq), at: row.at.toISOString() }));
  }

  /** Sets what the event at `seq` says (null: unchanged); an older seq never replaces a newer one. */
  async keep(cameraId: number, ready: boolean | null, readers: number | null, seq: number, at: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO camera_states (camera_id, ready, readers, seq, at) VALUES ($1, COALESCE($2, false), COALESCE($3, 0), $4, $5)
       ON CONFLICT (camera_id) DO UPDATE
         SET ready = COALESCE($2, camera_states.ready), readers = COALESCE($3, camera_states.readers), seq = $4, at = $5
       WHERE camera_states.seq < $4`,
      [cameraId, ready, readers, seq, at],
    );
  }

  async forget(cameraId: number): Promise<void> {
    await this.dataSource.query('DELETE FROM camera_states WHERE camera_id = $1', [cameraId]);
  }
}
