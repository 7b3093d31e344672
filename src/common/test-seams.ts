/**
 * Points where an end-to-end test may hold the server to open a race window on purpose. The
 * production entry (`main.ts`) passes none; `test/support/seamed-main.mjs` passes them.
 */
export interface TestSeams {
  /** A socket handshake has read its user and grants and is about to join its topic rooms. */
  afterHandshakeRead?(userId: number): Promise<void>;
  /** A subscription replay is about to read its next page of stored events. */
  beforeReplayPage?(): Promise<void>;
  /** A transaction is about to write its audit records; throwing here must roll the change back. */
  beforeAuditInsert?(records: Array<{ module: string; command: string }>): Promise<void>;
  /** The instance running the background work is about to take stored MediaMTX hooks from `relayed_hooks`. */
  beforeRelayedHooksTaken?(): Promise<void>;
}

export const TEST_SEAMS = Symbol('TEST_SEAMS');
