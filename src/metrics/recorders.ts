/**
 * Counters, gauges and histograms for the hot paths. prom-client's own label children hash their
 * labels on every call; these are looked up once per label set and then only add to a number.
 * The registry reads them, in prom-client's shape, when /metrics is scraped.
 */

/** One labelled counter or gauge value: `inc` and `set` are a single assignment. */
export class Cell {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }

  dec(by = 1): void {
    this.value -= by;
  }

  set(value: number): void {
    this.value = value;
  }
}

/** One labelled histogram: a count per bucket, the sum and the count. */
export class HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i += 1) {
      if (value <= bounds[i]) {
        this.counts[i] += 1;
        break;
      }
    }
    this.sum += value;
    this.count += 1;
  }
}

type Labels = Record<string, string | number>;
type Value = { labels: Labels; value: number; metricName?: string };

/** A metric as prom-client's Registry reads it. */
export interface Collected {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: Value[];
  aggregator: 'sum';
}

/** What prom-client's Registry needs of a metric: its name and `get()`. */
export abstract class Family<C> {
  protected readonly cells = new Map<string, { labels: Labels; cell: C }>();

  constructor(
    readonly name: string,
    readonly help: string,
    protected readonly labelNames: readonly string[],
  ) {}

  /** The cell of these label values (in `labelNames` order), made on first use. Keep it: looking it up costs a string join. */
  labels(...values: string[]): C {
    const key = values.join('\u0000');
    let entry = this.cells.get(key);
    if (!entry) {
      entry = { labels: Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]])), cell: this.create() };
      this.cells.set(key, entry);
    }
    return entry.cell;
  }

  protected abstract create(): C;
  abstract get(): Collected;
}

export class CounterFamily extends Family<Cell> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly type: 'counter' | 'gauge' = 'counter',
  ) {
    super(name, help, labelNames);
  }

  protected create(): Cell {
    return new Cell();
  }

  get(): Collected {
    const values = [...this.cells.values()].map(({ labels, cell }) => ({ labels, value: cell.value }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }
}

export class HistogramFamily extends Family<HistogramCell> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  protected create(): HistogramCell {
    return new HistogramCell(this.bounds);
  }

  get(): Collected {
    const values: Value[] = [];
    for (const { labels, cell } of this.cells.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += cell.counts[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cell.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: cell.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: cell.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }
}
