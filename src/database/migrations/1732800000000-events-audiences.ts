import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EventsAudiences1732800000000 implements MigrationInterface {
  name = 'EventsAudiences1732800000000';

  async up(runner: QueryRunner): Promise<void> {
    // The column holds who may see each event (see `audienceOf`), not Socket.IO rooms.
    await runner.query(`ALTER TABLE events RENAME COLUMN rooms TO audiences`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE events RENAME COLUMN audiences TO rooms`);
  }
}
