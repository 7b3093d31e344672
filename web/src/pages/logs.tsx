import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { JSX } from 'preact';
import { ErrorText, Labelled } from '../components';
import { relay } from '../live/relay';

interface LogLine {
  level: number;
  time: number;
  msg: string;
  [field: string]: unknown;
}

// The relay's wire levels (`logs` and `log`), which are pino's plus 10 (src/logging/logger.ts).
type Level = 20 | 30 | 40 | 50 | 60 | 70;
const LEVELS: Array<[Level, string]> = [
  [20, 'trace'],
  [30, 'debug'],
  [40, 'info'],
  [50, 'warn'],
  [60, 'error'],
  [70, 'fatal'],
];
const KEEP = 500;
const levelName = (level: number): string => [...LEVELS].reverse().find(([n]) => level >= n)?.[1] ?? 'trace';
const STANDARD_FIELDS = new Set(['level', 'time', 'timestamp', 'msg', 'pid', 'hostname', 'service']);

/** A line as text: time, level, message, then its other fields as key=value. */
function formatLine(line: LogLine): string {
  const extras = Object.entries(line)
    .filter(([key, value]) => !STANDARD_FIELDS.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [new Date(line.time).toLocaleTimeString(), levelName(line.level).toUpperCase(), line.msg, ...extras].join(' ');
}

/** Live tail of the relay's log, at or above a level, with pause. */
export function LogsPage(): JSX.Element {
  const client = relay.value!;
  const level = useSignal<Level>(40);
  const paused = useSignal(false);
  const lines = useSignal<LogLine[]>([]);
  const error = useSignal('');

  useEffect(() => {
    let stopped = false;
    void client
      .request('logs', 'list', { payload: { level: level.value, limit: 100 } })
      .then((answer) => {
        if (!stopped) lines.value = (answer as unknown as { items?: LogLine[] }).items ?? (answer as unknown as LogLine[]);
      })
      .then(() => client.request('logs', 'update', { payload: { level: level.value } }))
      .catch((failure: Error) => (error.value = failure.message));
    const stop = client.on('log', (entry) => {
      const line = entry as unknown as LogLine;
      if (!paused.value && line.level >= level.value) lines.value = [...lines.value.slice(-(KEEP - 1)), line];
    });
    return () => {
      stopped = true;
      stop();
    };
  }, [client, level.value]);

  return (
    <section aria-labelledby="logs-title">
      <h1 id="logs-title">Logs</h1>
      <div class="toolbar">
        <Labelled label="Level">
          <select value={String(level.value)} onChange={(e) => (level.value = Number(e.currentTarget.value) as Level)}>
            {LEVELS.map(([n, name]) => (
              <option key={n} value={String(n)}>
                {name} and above
              </option>
            ))}
          </select>
        </Labelled>
        <button type="button" class="secondary" aria-pressed={paused.value} onClick={() => (paused.value = !paused.value)}>
          {paused.value ? 'Resume' : 'Pause'}
        </button>
      </div>
      <ErrorText text={error.value} />
      <div class="log" role="log" aria-label="Log lines" aria-live="off" tabIndex={0}>
        {lines.value.map((line, index) => (
          <div key={`${line.time}-${index}`}>{formatLine(line)}</div>
        ))}
      </div>
    </section>
  );
}
