import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EventBatches1732700000000 implements MigrationInterface {
  name = 'EventBatches1732700000000';

  async up(runner: QueryRunner): Promise<void> {
    // Which insert wrote the event. An insert the relay gave up on may still commit later; its
    // events went out unnumbered meanwhile, and the batch tells the reader not to send them again.
    await runner.query('ALTER TABLE events ADD COLUMN batch uuid');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE events DROP COLUMN batch');
  }
}
