import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { MediaMtxPath } from './mediamtx-path.entity.js';

export type PathRow = Pick<MediaMtxPath, 'name' | 'cameraId' | 'configHash' | 'state' | 'lastError'>;

/** The mediamtx_paths table: the paths the relay owns in MediaMTX. */
@Injectable()
export class MediaMtxPathsRepository {
  private readonly paths: Repository<MediaMtxPath>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.paths = dataSource.getRepository(MediaMtxPath);
  }

  findAll(): Promise<PathRow[]> {
    return this.paths.find();
  }

  /** Inserts the row, or replaces the one of that name. */
  async save(row: PathRow): Promise<void> {
    await this.paths.upsert(row, ['name']);
  }

  async delete(name: string): Promise<void> {
    await this.paths.delete({ name });
  }
}
