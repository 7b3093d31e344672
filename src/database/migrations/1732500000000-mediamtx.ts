import type { MigrationInterface, QueryRunner } from 'typeorm';

export class MediaMtx1732500000000 implements MigrationInterface {
  name = 'MediaMtx1732500000000';

  async up(runner: QueryRunner): Promise<void> {
    // Paths the relay put into MediaMTX: what it owns, what it last applied, and whether that worked.
    await runner.query(`
      CREATE TABLE mediamtx_paths (
        name varchar(255) PRIMARY KEY,
        camera_id integer REFERENCES cameras(id) ON DELETE SET NULL,
        config_hash char(64),
        state varchar(16) NOT NULL CHECK (state IN ('ok', 'pending', 'conflict')),
        last_error text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX mediamtx_paths_camera_id_idx ON mediamtx_paths (camera_id)`);
    await runner.query(`
      CREATE TABLE stream_tokens (
        id serial PRIMARY KEY,
        user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        camera_id integer NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
        label varchar(100) NOT NULL,
        token_hash char(64) NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        last_used_at timestamptz
      )`);
    await runner.query(`CREATE INDEX stream_tokens_user_id_idx ON stream_tokens (user_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE stream_tokens');
    await runner.query('DROP TABLE mediamtx_paths');
  }
}
