import type { MigrationInterface, QueryRunner } from 'typeorm';

/** When an oauth2 credential's token was last refreshed successfully; null until the first success. */
export class OAuth2RefreshedAt1733200000000 implements MigrationInterface {
  name = 'OAuth2RefreshedAt1733200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE credentials ADD COLUMN oauth2_refreshed_at timestamptz`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE credentials DROP COLUMN oauth2_refreshed_at`);
  }
}
