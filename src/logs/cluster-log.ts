import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ControlConnection } from '../jobs/control-connection.js';
import { LOG_LEVEL_NUMBERS } from '../logging/logger.js';
import { LogStream, type LogEntry } from '../logging/log-stream.js';

const CHANNEL = 'mtx_relay_log';
/** Lines below this wire level stay on their instance: the debug chatter of every instance would flood the others. */
const SHARED_FROM_LEVEL = LOG_LEVEL_NUMBERS.info;
/** Lines are gathered this long and sent together. */
const GATHER_MS = 100;
/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; kept well under with the envelope. */
const MAX_PAYLOAD_BYTES = 7500;
const MAX_MESSAGE_CHARS = 2000;
/** At most this many lines leave per gathering; more are dropped rather than let a burst take the database. */
const MAX_LINES_PER_GATHER = 200;

interface LogBatch {
  from: string;
  lines: LogEntry[];
}

/**
 * Passes this instance's log lines (info and up) to the other instances on the database
 * (NOTIFY), where they go to the admins that follow every instance's lines.
 */
@Injectable()
export class ClusterLog implements OnApplicationBootstrap, OnApplicationShutdown {
  private pending: LogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly logs: LogStream,
    private readonly connection: ControlConnection,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.logs.onLine((entry) => this.gather(entry));
    await this.connection.listen(CHANNEL, (payload) => this.receive(payload));
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private gather(entry: LogEntry): void {
    if (this.stopped || entry.level < SHARED_FROM_LEVEL || this.pending.length >= MAX_LINES_PER_GATHER) return;
    this.pending.push(entry.msg.length > MAX_MESSAGE_CHARS ? { ...entry, msg: `${entry.msg.slice(0, MAX_MESSAGE_CHARS)}…` } : entry);
    this.timer ??= setTimeout(() => void this.send(), GATHER_MS).unref();
  }

  /** Never rejects, and logs nothing: a line about a lost line would be shared in turn. */
  private async send(): Promise<void> {
    this.timer = undefined;
    const lines = this.pending;
    this.pending = [];
    for (const payload of packed(this.connection.instanceId, lines)) await this.connection.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
  }

  private receive(payload: string): void {
    let batch: LogBatch;
    try {
      batch = JSON.parse(payload) as LogBatch;
    } catch {
      return;
    }
    if (batch.from === this.connection.instanceId || !Array.isArray(batch.lines)) return;
    for (const entry of batch.lines) this.logs.addFromElsewhere(entry);
  }
}

/** The lines as NOTIFY payloads, each under the size limit. */
function packed(from: string, lines: LogEntry[]): string[] {
  const payloads: string[] = [];
  let batch: LogEntry[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(JSON.stringify(line)) + 1;
    if (size > MAX_PAYLOAD_BYTES) continue;
    if (bytes + size > MAX_PAYLOAD_BYTES) {
      payloads.push(JSON.stringify({ from, lines: batch }));
      batch = [];
      bytes = 0;
    }
    batch.push(line);
    bytes += size;
  }
  if (batch.length > 0) payloads.push(JSON.stringify({ from, lines: batch }));
  return payloads;
}
