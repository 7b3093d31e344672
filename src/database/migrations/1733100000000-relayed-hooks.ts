import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * MediaMTX hooks an instance received for the instance running the background work: kept until
 * that instance takes them, so that a hook sent while no instance runs it is not lost.
 */
export class RelayedHooks1733100000000 implements MigrationInterface {
  name = 'RelayedHooks1733100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE relayed_hooks (
      id bigserial PRIMARY KEY,
      received_at timestamptz NOT NULL DEFAULT now(),
      hook jsonb NOT NULL)`);
    await runner.query(`CREATE INDEX relayed_hooks_received_at ON relayed_hooks (received_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE relayed_hooks`);
  }
}
