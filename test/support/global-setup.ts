// Jest loads this file outside its module mapper, hence the .ts extension.
import { startTestPostgres, type TestPostgres } from './postgres.ts';

declare global {
  var testPostgres: TestPostgres | undefined;
}

/** One PostgreSQL server for the whole run; each test file makes its own database on it. */
export default async function globalSetup(): Promise<void> {
  const server = await startTestPostgres();
  globalThis.testPostgres = server;
  process.env.TEST_POSTGRES_ADMIN_URL = server.adminUrl;
}
