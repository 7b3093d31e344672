/**
 * Two builds of the relay in the same run (`--against`): A (this build) and B (the other) run in
 * every pair next to each other, so the machine's drift hits both alike, and B ÷ A is taken per
 * pair. The spread of those ratios across pairs, and a distribution-free interval of their median
 * (sign test), say whether a change of a few per cent is shown, ruled out, or not decided.
 */
import type { CaseSpec, Column, Scenario } from '../scenarios.js';
import { formatNumber, median, renderTable } from './stats.js';

/** Which server a run measured: this build of the relay, the other one, or the baseline. */
export type RunSide = 'relay' | 'against' | 'baseline';

export interface RunRecord {
  case: string;
  side: RunSide;
  pair: number;
  metrics: Record<string, number>;
  result?: Record<string, any>;
  error?: string;
}

/** Columns where more is better; for every other one (latency, CPU, memory) less is. */
const HIGHER_IS_BETTER = new Set(['rate', 'hookRate', 'deliveryRate', 'connectRate', 'connected', 'events']);

/**
 * The order of one pair's runs. Mirrored every other pair (A B baseline, baseline B A), so that
 * over two pairs each server has the same average place (a steady drift favours none), and A
 * and B always run back to back.
 */
export function comparisonOrder(pair: number): RunSide[] {
  return pair % 2 === 0 ? ['relay', 'against', 'baseline'] : ['baseline', 'against', 'relay'];
}

const binomialAtMost = (n: number, k: number): number => {
  let sum = 0;
  let term = 0.5 ** n;
  for (let i = 0; i <= k; i += 1) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum;
};

/**
 * An interval of the median of `values` at `level` or more, from the sign test: the k-th
 * smallest and k-th largest value for the largest k the binomial distribution allows. Undefined
 * with too few values (fewer than 6 for 95 %).
 */
export function medianInterval(values: readonly number[], level = 0.95): { low: number; high: number; confidence: number } | undefined {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  const n = sorted.length;
  let found: { low: number; high: number; confidence: number } | undefined;
  for (let k = 1; k <= Math.floor(n / 2); k += 1) {
    const confidence = 1 - 2 * binomialAtMost(n, k - 1);
    if (confidence < level) break;
    found = { low: sorted[k - 1], high: sorted[n - k], confidence };
  }
  return found;
}

interface Spread {
  median: number;
  lowest: number;
  highest: number;
  perPair: number[];
}

const spread = (ratios: number[]): Spread => {
  const finite = ratios.filter((ratio) => Number.isFinite(ratio));
  return { median: median(finite), lowest: Math.min(...finite), highest: Math.max(...finite), perPair: ratios };
};

export interface CaseComparison {
  /** Medians of each server's runs, per column. */
  medians: Record<RunSide, Record<string, number>>;
  /** Each relay build ÷ the baseline of the same pair, median over pairs, per column. */
  againstBaseline: { relay: Record<string, number>; against: Record<string, number> };
  /** B ÷ A of the same pair, per column. */
  bOverA: Record<string, Spread>;
}

/** Per case: the medians, each build's ratio to its pair's baseline, and B ÷ A pair by pair. */
export function compare(scenario: Scenario, runs: RunRecord[], cases: CaseSpec[]): Record<string, CaseComparison> {
  const comparison: Record<string, CaseComparison> = {};
  for (const spec of cases) {
    const mine = runs.filter((run) => run.case === spec.label && !run.error);
    const pairs = [...new Set(mine.map((run) => run.pair))].sort((a, b) => a - b);
    const of = (side: RunSide, pair: number) => mine.find((run) => run.side === side && run.pair === pair)?.metrics;
    const ratios = (top: RunSide, bottom: RunSide, key: string) =>
      pairs.map((pair) => (of(top, pair)?.[key] ?? Number.NaN) / (of(bottom, pair)?.[key] ?? Number.NaN));
    const perColumn = <T>(make: (column: Column) => T) => Object.fromEntries(scenario.columns.map((column) => [column.key, make(column)]));
    const medianOf = (side: RunSide) => perColumn((column) => median(mine.filter((run) => run.side === side).map((run) => run.metrics[column.key] ?? Number.NaN)));
    comparison[spec.label] = {
      medians: { relay: medianOf('relay'), against: medianOf('against'), baseline: medianOf('baseline') },
      againstBaseline: {
        relay: perColumn((column) => median(ratios('relay', 'baseline', column.key))),
        against: perColumn((column) => median(ratios('against', 'baseline', column.key))),
      },
      bOverA: perColumn((column) => spread(ratios('against', 'relay', column.key))),
    };
  }
  return comparison;
}

/**
 * Whether this build (A) is worse than B by more than `boundPercent` on this column, as far as
 * the pairs tell: with B the build before a change, whether the change cost more than that.
 */
export function verdict(column: Column, ratios: number[], boundPercent: number): string {
  const bound = boundPercent / 100;
  const higherIsBetter = HIGHER_IS_BETTER.has(column.key);
  // A worse than B by more than the bound, said of B ÷ A.
  const limit = higherIsBetter ? 1 / (1 - bound) : 1 / (1 + bound);
  const finite = ratios.filter((ratio) => Number.isFinite(ratio));
  const interval = medianInterval(finite);
  const what = `B ÷ A ${column.label} over ${finite.length} pair${finite.length === 1 ? '' : 's'}: median ${formatNumber(median(finite), 3)}`;
  if (!interval) return `${what}; too few pairs for a 95 % interval of the median (6 at least): nothing shown about ${boundPercent} %`;
  const range = `${formatNumber(interval.low, 3)} to ${formatNumber(interval.high, 3)} (${formatNumber(interval.confidence * 100, 1)} % interval of the median, sign test)`;
  const worse = `A ${higherIsBetter ? 'lower' : 'higher'} than B by more than ${boundPercent} %`;
  const where = `B ÷ A ${higherIsBetter ? 'above' : 'below'} ${formatNumber(limit, 3)}`;
  const ruledOut = higherIsBetter ? interval.high <= limit : interval.low >= limit;
  const shown = higherIsBetter ? interval.low > limit : interval.high < limit;
  const conclusion = ruledOut ? 'is ruled out' : shown ? 'is shown' : 'is not decided: the interval crosses the bound; run more pairs';
  return `${what}, ${range}: ${worse} (${where}) ${conclusion}`;
}

/** The table of a comparison, then a verdict for the headline and the CPU column. */
export function renderComparison(scenario: Scenario, comparison: Record<string, CaseComparison>, boundPercent: number): string {
  const header = ['', ...scenario.columns.map((column) => column.label)];
  const rows: string[][] = [];
  const row = (name: string, values: Record<string, number>, digits?: number) => rows.push([name, ...scenario.columns.map((column) => formatNumber(values[column.key], digits ?? column.digits))]);
  const verdicts: string[] = [];
  const judged = scenario.columns.filter((column) => column.key === scenario.headline || column.key.startsWith('cpuUsPer'));
  for (const [label, sides] of Object.entries(comparison)) {
    row(`${label} A (this build)`, sides.medians.relay);
    row(`${label} B (--against)`, sides.medians.against);
    row(`${label} baseline`, sides.medians.baseline);
    row('  A ÷ baseline', sides.againstBaseline.relay, 3);
    row('  B ÷ baseline', sides.againstBaseline.against, 3);
    const bOverA = (pick: (spread: Spread) => number) => Object.fromEntries(Object.entries(sides.bOverA).map(([key, value]) => [key, pick(value)]));
    row('  B ÷ A, median of pairs', bOverA((value) => value.median), 3);
    row('  B ÷ A, lowest pair', bOverA((value) => value.lowest), 3);
    row('  B ÷ A, highest pair', bOverA((value) => value.highest), 3);
    for (const column of judged) verdicts.push(`${label}: ${verdict(column, sides.bOverA[column.key].perPair, boundPercent)}`);
  }
  return [renderTable(header, rows), ...verdicts].join('\n');
}
