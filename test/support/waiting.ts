export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Probes until `accept` says yes, every `intervalMs` for up to `ms`; resolves with the accepted value. */
export async function eventually<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, ms = 15000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in time; last value: ${JSON.stringify(value)}`);
    await sleep(intervalMs);
  }
}
