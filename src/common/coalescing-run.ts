/**
 * Runs a pass now, or once more after the pass under way: triggers that come during a pass share
 * one more pass, so a burst of them costs at most two. `again` says whether a pass asked for
 * during the last one still runs (false once the owner stopped). With `onError`, a failed pass
 * ends the run and is handed there once, not to each caller.
 */
export class CoalescingRun {
  private running: Promise<void> | undefined;
  private rerun = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly options: { again?: () => boolean; onError?: (error: unknown) => void } = {},
  ) {}

  /** A pass is under way. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  run(): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    const { again = () => true, onError } = this.options;
    this.running = (async () => {
      try {
        do {
          this.rerun = false;
          await this.pass();
        } while (this.rerun && again());
      } catch (error) {
        if (!onError) throw error;
        onError(error);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
