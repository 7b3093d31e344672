import type { TestServer } from './test-server.js';

export const METRICS_TOKEN = 'metrics-token-for-the-tests-0123456789';

/** One sample of the Prometheus text format: `name{a="x",b="y"} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples and the declared metric names (`# TYPE name type`) of an exposition. */
export function parseMetrics(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const declared = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (declared) types.set(declared[1], declared[2]);
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((label) => [label[1], label[2]]));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return { samples, types };
}

/** The value of the sample with this name whose labels include `labels`; 0 when there is none. */
export function valueOf(text: string, name: string, labels: Record<string, string> = {}): number {
  const found = parseMetrics(text).samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  return found.reduce((sum, sample) => sum + sample.value, 0);
}

/** GET /metrics with the metrics token; throws unless it answers 200. */
export async function scrape(server: TestServer, token = METRICS_TOKEN): Promise<string> {
  const answer = await server.http('GET', '/metrics', { token });
  if (answer.status !== 200) throw new Error(`GET /metrics answered ${answer.status}: ${answer.text}`);
  return answer.text;
}
