import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditLog1732900000000 implements MigrationInterface {
  name = 'AuditLog1732900000000';

  async up(runner: QueryRunner): Promise<void> {
    // No foreign key to users: the record of a change outlives the user who made it.
    await runner.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_id integer,
        actor_name text NOT NULL,
        module text NOT NULL,
        command text NOT NULL,
        entity text,
        changes jsonb NOT NULL DEFAULT '{}',
        outcome text NOT NULL DEFAULT 'ok' CHECK (outcome IN ('ok', 'refused')),
        address text,
        -- Null for a change the relay made itself (the first start's admin).
        transport text CHECK (transport IN ('rest', 'socket', 'console'))
      )`);
    await runner.query(`CREATE INDEX audit_log_at ON audit_log (at)`);
    await runner.query(`CREATE INDEX audit_log_actor ON audit_log (actor_id, id)`);
    await runner.query(`CREATE INDEX audit_log_module_entity ON audit_log (module, entity, id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE audit_log`);
  }
}
