import type { HookName } from './types.js';
import { seededRandom } from './random.js';

/**
 * How MediaMTX's hooks really reach the relay: each is its own process, started without
 * waiting for any other (`externalcmd/cmd.go` Start runs it in a goroutine), so hooks started
 * close together arrive in any order; and runOnRead/runOnAvailable are interrupted with SIGINT
 * when the reader leaves or the stream goes (`hooks/on_read.go`, `hooks/on_available.go`, the
 * returned close function; `externalcmd/cmd_os.go` kills the process group), so a short read's
 * `read` or a short stream's `ready` can be lost, or land after its `unread`/`notReady`.
 */
export interface HookChaosOptions {
  /** Seed of every random choice: the same seed and the same calls give the same plan. */
  seed: number;
  /** Each hook starts after a delay drawn from [0, maxDelayMs]. */
  maxDelayMs: number;
  /** Chance that a hook of `droppable` never reaches the relay. */
  dropRate: number;
  /** Hooks that can be lost; default runOnRead and runOnAvailable, the ones MediaMTX interrupts. */
  droppable?: HookName[];
}

export interface HookPlan {
  delayMs: number;
  dropped: boolean;
}

export class HookChaos {
  private readonly random: () => number;
  private readonly droppable: ReadonlySet<HookName>;
  /** Every plan handed out, in call order (what a test can print to explain a failure). */
  readonly plans: Array<HookPlan & { hook: HookName }> = [];

  constructor(private readonly options: HookChaosOptions) {
    this.random = seededRandom(options.seed);
    this.droppable = new Set(options.droppable ?? ['runOnRead', 'runOnAvailable']);
  }

  /** What happens to the next hook, drawn in call order. */
  plan(hook: HookName): HookPlan {
    const delayMs = Math.floor(this.random() * (this.options.maxDelayMs + 1));
    const roll = this.random();
    const plan = { delayMs, dropped: this.droppable.has(hook) && roll < this.options.dropRate };
    this.plans.push({ hook, ...plan });
    return plan;
  }
}
