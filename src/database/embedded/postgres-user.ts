import { execFile, spawnSync } from 'node:child_process';
import { dirname, parse } from 'node:path';
import { promisify } from 'node:util';
import { StartupError } from '../../common/startup-error.js';

const run = promisify(execFile);

/** The operating-system user PostgreSQL runs as when the relay runs as root, which PostgreSQL refuses to run as. */
export interface PostgresUser {
  uid: number;
  gid: number;
}

async function lookUp(): Promise<PostgresUser> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
}

/** As root: the user `postgres`, created when missing. Otherwise undefined: PostgreSQL runs as the relay's own user. */
export async function postgresUser(): Promise<PostgresUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    return await lookUp();
  } catch {
    // not there yet
  }
  try {
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined); // the group may exist without the user
    await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return await lookUp();
  } catch (error) {
    const reason = ((error as { stderr?: string }).stderr || (error as Error).message).trim().split('\n')[0];
    throw new StartupError(
      `running as root, the embedded PostgreSQL needs an operating-system user "postgres" to run as, and it could not be created (${reason}): create that user, run mtx-relay as an ordinary user, or set DATABASE_URL to a PostgreSQL server`,
    );
  }
}

/** `/a/b/c` → `/`, `/a`, `/a/b`, `/a/b/c`. */
function pathFromRoot(target: string): string[] {
  const steps: string[] = [];
  for (let step = target; step !== parse(step).root; step = dirname(step)) steps.unshift(step);
  return [parse(target).root, ...steps];
}

/**
 * The first folder on the way to `target` (or `target` itself) that `user` may not enter or
 * run, asked of the system as that user, with the same ids PostgreSQL will have; undefined
 * when every step is open (or when there is no shell to ask, and PostgreSQL will say).
 */
export function firstClosedStep(user: PostgresUser, target: string): string | undefined {
  const script = 'for step; do [ -x "$step" ] || { printf %s "$step"; exit 3; }; done';
  const answer = spawnSync('/bin/sh', ['-c', script, 'sh', ...pathFromRoot(target)], { uid: user.uid, gid: user.gid, encoding: 'utf8' });
  return answer.status === 3 ? answer.stdout : undefined;
}
