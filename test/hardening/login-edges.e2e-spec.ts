import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { withinFirstWait } from '../support/backoff.js';
import { startServer, type HttpAnswer, type TestServer } from '../support/test-server.js';

const PASSWORD = 'a-user-password-1';

describe('login edges', () => {
  let server: TestServer;
  let admin: string;
  const attempt = (username: string, password: string): Promise<HttpAnswer> => server.http('POST', '/api/auth', { body: { username, password } });
  const createUser = async (username: string, extra: Record<string, unknown> = {}): Promise<void> => {
    expect((await server.http('POST', '/api/users', { token: admin, body: { username, password: PASSWORD, ...extra } })).status).toBe(201);
  };

  beforeAll(async () => {
    // LOGIN_FREE_ATTEMPTS left at its default, 5.
    server = await startServer();
    admin = (await server.login()).bearer;
  }, 60000);

  afterAll(async () => {
    await server?.stop();
  });

  it('a disabled account answers the right password exactly as a wrong one', async () => {
    await createUser('disabled-dora', { can_login: false });
    const wrong = await attempt('disabled-dora', 'not-her-password');
    const right = await attempt('disabled-dora', PASSWORD);
    expect(right.status).toBe(wrong.status);
    expect(right.body).toEqual(wrong.body);
    expect(right.body).toEqual({
      error: { status: 401, code: 'unauthorized', message: 'invalid username or password', details: [], context: { module: 'auth', command: 'create' } },
    });
    // And as an unknown name does.
    expect((await attempt('nobody-by-that-name', PASSWORD)).body).toEqual(right.body);
  });

  it.each([
    ['an account', 'counted-carl'],
    ['an unknown name', 'counted-ghost'],
  ])('%s gets exactly LOGIN_FREE_ATTEMPTS (5) password checks before the first wait', async (_what, name) => {
    const statuses = await withinFirstWait(async (tryNumber) => {
      const username = `${name}-${tryNumber}`;
      if (name === 'counted-carl') await createUser(username);
      const seen: number[] = [];
      // Until the fifth attempt (whose failure begins the wait) is sent: the start of the try.
      let waitBeganBefore = Date.now();
      let lastAnsweredAt = 0;
      // Bounded: a few more than the free attempts.
      for (let i = 0; i < 8; i += 1) {
        if (i === 4) waitBeganBefore = Date.now();
        const answer = await attempt(username, `wrong-${i}`);
        seen.push(answer.status);
        if (i <= 5) lastAnsweredAt = Date.now();
        if (answer.status === 429) break;
      }
      return { outcome: seen, waitBeganBefore, lastAnsweredAt };
    });
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });
});
