/**
 * MediaMTX's path manager (internal/core/path_manager.go `run`): one goroutine that takes one
 * request at a time from its channels. Reader and publisher admission (`doFindPathConf`,
 * `doDescribe`, `doAddReader`, `doAddPublisher`) calls the auth callback from inside it and
 * waits for the answer (up to readTimeout, 10 s); `/v3/paths/list` and `/v3/paths/get`
 * (`doAPIPathsList`, `doAPIPathsGet`) and every config reload (`doReloadConf`, after a Control
 * API config write) queue behind it. Share one loop between a FakeMediaMtx and a MediaMtxDriver
 * to see a slow callback hold the Control API the way it holds a real MediaMTX.
 */
export class PathManagerLoop {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;

  /** Runs `work` once everything queued before it is done. */
  run<T>(work: () => T | Promise<T>): Promise<T> {
    this.queued += 1;
    const result = this.tail.then(work).finally(() => {
      this.queued -= 1;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Requests queued or running. */
  get pending(): number {
    return this.queued;
  }
}
