import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Events1732600000000 implements MigrationInterface {
  name = 'Events1732600000000';

  async up(runner: QueryRunner): Promise<void> {
    // Every topic event, numbered by one sequence. Writers take an advisory lock for the length
    // of their insert, so sequence order is commit order: a reader that has seen seq N has seen
    // every committed event below it.
    await runner.query(`CREATE SEQUENCE events_seq AS bigint`);
    await runner.query(`
      CREATE TABLE events (
        seq bigint PRIMARY KEY DEFAULT nextval('events_seq'),
        domain varchar(32) NOT NULL,
        entity integer,
        event varchar(64) NOT NULL,
        details jsonb NOT NULL,
        rooms text[] NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`ALTER SEQUENCE events_seq OWNED BY events.seq`);
    await runner.query(`CREATE INDEX events_at_idx ON events (at)`);
    // Tells every instance listening that there is something new to read.
    await runner.query(`
      CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('mtx_relay_events', '');
        RETURN NULL;
      END $$`);
    await runner.query(`CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION events_notify()`);
    // The highest seq the pruner has removed: a resume from below it has lost events.
    await runner.query(`CREATE TABLE events_pruned (id boolean PRIMARY KEY DEFAULT true CHECK (id), through_seq bigint NOT NULL)`);
    await runner.query(`INSERT INTO events_pruned (through_seq) VALUES (0)`);
    // The last known stream status of each camera, sent to a socket when it subscribes.
    await runner.query(`
      CREATE TABLE camera_states (
        camera_id integer PRIMARY KEY,
        ready boolean NOT NULL DEFAULT false,
        readers integer NOT NULL DEFAULT 0,
        seq bigint NOT NULL,
        at timestamptz NOT NULL
      )`);

    // OAuth2 credentials: where their token refresh stands.
    await runner.query(`
      ALTER TABLE credentials
        ADD COLUMN token_auth_method varchar(32),
        ADD COLUMN auth_state varchar(16) CHECK (auth_state IN ('pending', 'authenticated', 'unauthenticated')),
        ADD COLUMN auth_error text,
        ADD COLUMN auth_failures integer NOT NULL DEFAULT 0,
        ADD COLUMN next_refresh_at timestamptz`);
    await runner.query(`UPDATE credentials SET auth_state = 'pending', token_auth_method = 'client_secret_basic', next_refresh_at = now() WHERE kind = 'oauth2'`);
    await runner.query(`ALTER TABLE cameras ADD COLUMN oauth2_token_in varchar(16) NOT NULL DEFAULT 'query' CHECK (oauth2_token_in IN ('query', 'userinfo'))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE cameras DROP COLUMN oauth2_token_in');
    await runner.query(
      'ALTER TABLE credentials DROP COLUMN token_auth_method, DROP COLUMN auth_state, DROP COLUMN auth_error, DROP COLUMN auth_failures, DROP COLUMN next_refresh_at',
    );
    await runner.query('DROP TABLE camera_states');
    await runner.query('DROP TABLE events_pruned');
    await runner.query('DROP TABLE events');
    await runner.query('DROP FUNCTION events_notify()');
  }
}
