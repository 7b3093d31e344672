import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** `conflict`: MediaMTX has a path of that name that the relay did not create; the row records it without owning it. */
export type SyncState = 'ok' | 'pending' | 'conflict';

/** A path the relay owns in MediaMTX (or, in state `conflict`, would own if it were free). */
@Entity({ name: 'mediamtx_paths' })
export class MediaMtxPath {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ name: 'camera_id', type: 'integer', nullable: true })
  cameraId!: number | null;

  /** Keyed hash of the configuration last applied (it holds secrets, so not the configuration itself). */
  @Column({ name: 'config_hash', type: 'char', length: 64, nullable: true })
  configHash!: string | null;

  @Column({ type: 'varchar', length: 16 })
  state!: SyncState;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
