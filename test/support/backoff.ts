/**
 * The account login backoff's first wait, after the LOGIN_FREE_ATTEMPTS failures: 1 s
 * (src/users/login-failures.store.ts), and no setting makes it longer.
 */
export const FIRST_WAIT_MS = 1000;
/** Date.now() counts whole milliseconds; PostgreSQL's clock finer. */
const CLOCK_SLACK_MS = 5;

/** What one try of a backoff scenario saw, and from when to when it needed the first wait to hold. */
export interface BackoffTry<T> {
  outcome: T;
  /** Date.now() before sending the attempt whose failure begins the first wait. */
  waitBeganBefore: number;
  /** Date.now() after the answer to the last attempt that must fall within that wait. */
  lastAnsweredAt: number;
}

/**
 * Plays a backoff scenario (each try under a fresh account, `tries` at most) until one try ran
 * within the first wait, and returns what that try saw. A try that took longer on a slow
 * machine proves nothing either way: its last attempt may rightly have come after the wait.
 */
export async function withinFirstWait<T>(play: (tryNumber: number) => Promise<BackoffTry<T>>, tries = 3): Promise<T> {
  const took: number[] = [];
  for (let tryNumber = 1; tryNumber <= tries; tryNumber += 1) {
    const played = await play(tryNumber);
    const span = played.lastAnsweredAt - played.waitBeganBefore;
    if (span < FIRST_WAIT_MS - CLOCK_SLACK_MS) return played.outcome;
    took.push(span);
  }
  throw new Error(`no try ran within the backoff's first wait of ${FIRST_WAIT_MS} ms (they took ${took.join(', ')} ms)`);
}
