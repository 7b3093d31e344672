import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What instances on one database share beyond events: presence, login back-off, per-address login budgets. */
export class ClusterState1733000000000 implements MigrationInterface {
  name = 'ClusterState1733000000000';

  async up(runner: QueryRunner): Promise<void> {
    // One row per instance and user: that instance's open sockets of the user.
    await runner.query(`CREATE TABLE presence (
      instance text NOT NULL,
      user_id integer NOT NULL,
      username text NOT NULL,
      sockets integer NOT NULL CHECK (sockets > 0),
      PRIMARY KEY (instance, user_id))`);
    await runner.query(`CREATE INDEX presence_user ON presence (user_id)`);
    await runner.query(`CREATE TABLE login_failures (
      account text PRIMARY KEY,
      failures integer NOT NULL,
      blocked_until timestamptz,
      refused boolean NOT NULL DEFAULT false,
      updated_at timestamptz NOT NULL)`);
    await runner.query(`CREATE TABLE login_budgets (
      address text PRIMARY KEY,
      tokens double precision NOT NULL,
      refused boolean NOT NULL DEFAULT false,
      updated_at timestamptz NOT NULL)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE login_budgets`);
    await runner.query(`DROP TABLE login_failures`);
    await runner.query(`DROP TABLE presence`);
  }
}
