import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EventsNotifySeq1732700000000 implements MigrationInterface {
  name = 'EventsNotifySeq1732700000000';

  async up(runner: QueryRunner): Promise<void> {
    // The notification carries the highest seq written, so an instance that has delivered it
    // already (its own writes) need not read the table again.
    await runner.query(`DROP TRIGGER events_notify ON events`);
    await runner.query(`
      CREATE OR REPLACE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('mtx_relay_events', (SELECT max(seq)::text FROM inserted));
        RETURN NULL;
      END $$`);
    await runner.query(`CREATE TRIGGER events_notify AFTER INSERT ON events REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION events_notify()`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TRIGGER events_notify ON events`);
    await runner.query(`
      CREATE OR REPLACE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('mtx_relay_events', '');
        RETURN NULL;
      END $$`);
    await runner.query(`CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION events_notify()`);
  }
}
