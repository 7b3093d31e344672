import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CamerasCredentials1732400000000 implements MigrationInterface {
  name = 'CamerasCredentials1732400000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE credentials (
        id serial PRIMARY KEY,
        description varchar(200) NOT NULL DEFAULT '',
        kind varchar(16) NOT NULL CHECK (kind IN ('basic', 'token', 'oauth2')),
        username varchar(255),
        client_id varchar(255),
        token_url text,
        scope text,
        password_enc text,
        token_enc text,
        client_secret_enc text,
        refresh_token_enc text,
        access_token_enc text,
        access_token_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE cameras (
        id serial PRIMARY KEY,
        name varchar(100) NOT NULL,
        description text NOT NULL DEFAULT '',
        mtx_path varchar(255) NOT NULL,
        source_url text NOT NULL,
        credential_id integer REFERENCES credentials(id) ON DELETE RESTRICT,
        rtsp_transport varchar(16) NOT NULL DEFAULT 'automatic' CHECK (rtsp_transport IN ('automatic', 'udp', 'tcp')),
        is_enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE UNIQUE INDEX cameras_mtx_path_key ON cameras (mtx_path)`);
    await runner.query(`CREATE INDEX cameras_credential_id_idx ON cameras (credential_id)`);
    await runner.query(`
      CREATE TABLE camera_grants (
        user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        camera_id integer NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
        PRIMARY KEY (user_id, camera_id)
      )`);
    await runner.query(`CREATE INDEX camera_grants_camera_id_idx ON camera_grants (camera_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE camera_grants');
    await runner.query('DROP TABLE cameras');
    await runner.query('DROP TABLE credentials');
  }
}
