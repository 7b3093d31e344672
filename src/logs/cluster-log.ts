import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ControlConnection } from '../jobs/control-connection.js';
import { LOG_LEVEL_NUMBERS } from '../logging/logger.js';
import { LEVEL_NUMBERS, LogStream, type LogEntry } from '../logging/log-stream.js';

const CHANNEL = 'mtx_relay_log';
/** Where an instance says the lowest level its admins follow every instance's lines at. */
const WANTED_CHANNEL = 'mtx_relay_log_wanted';
/** Lines from this level up are always passed on; lower ones only while some admin somewhere follows them. */
const ALWAYS_SHARED_FROM = LOG_LEVEL_NUMBERS.info;
/** A wish for lines below info is repeated this often while it holds, and forgotten when not heard for WANT_EXPIRES_MS (its instance died or its admins left). */
const WANT_EVERY_MS = 5000;
const WANT_EXPIRES_MS = 15_000;
/** Lines are gathered this long and sent together. */
const GATHER_MS = 100;
/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; kept well under with the envelope. */
const MAX_PAYLOAD_BYTES = 7500;
const MAX_MESSAGE_CHARS = 2000;
/**
 * The bound on what one instance sends per gathering (so 10 times this a second): lines, lines
 * below info (so debug chatter leaves room for warnings), and bytes. More are dropped, and the
 * receivers are told how many, rather than let a burst take the database.
 */
export const SHARED_LINES_BOUND = { lines: 200, belowInfo: 100, bytes: 64 * 1024 } as const;

interface LogBatch {
  from: string;
  lines: LogEntry[];
  /** Lines dropped from this gathering for being over the bound. */
  dropped?: number;
}

/**
 * Passes this instance's log lines to the other instances on the database (NOTIFY), where they go
 * to the admins that follow every instance's lines: from info up always, and lower levels while
 * an admin on some instance follows them (each instance tells the others the lowest level its
 * admins follow). Within SHARED_LINES_BOUND.
 */
@Injectable()
export class ClusterLog implements OnApplicationBootstrap, OnApplicationShutdown {
  private pending: LogEntry[] = [];
  private pendingBelowInfo = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private wantTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Levels below info other instances' admins follow, by instance id, with when the wish lapses. */
  private readonly wanted = new Map<string, { level: number; until: number }>();
  private announced: number = ALWAYS_SHARED_FROM;

  constructor(
    private readonly logs: LogStream,
    private readonly connection: ControlConnection,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.logs.onLine((entry) => this.gather(entry));
    this.logs.onFollowChange(() => void this.announce(false));
    await this.connection.listen(CHANNEL, (payload) => this.receive(payload));
    await this.connection.listen(WANTED_CHANNEL, (payload) => this.wantedElsewhere(payload));
    this.wantTimer = setInterval(() => void this.announce(true), WANT_EVERY_MS).unref();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.wantTimer);
  }

  /** The lowest level passed on now. */
  private sharedFrom(): number {
    let lowest: number = ALWAYS_SHARED_FROM;
    const now = Date.now();
    for (const [instance, wish] of this.wanted) {
      if (wish.until < now) this.wanted.delete(instance);
      else lowest = Math.min(lowest, wish.level);
    }
    return lowest;
  }

  /** Tells the other instances the lowest level this one's admins follow: on a change, and again now and then while it is below info. */
  private async announce(repeat: boolean): Promise<void> {
    if (this.stopped) return;
    const level = Math.min(this.logs.lowestFollowedEverywhere() ?? ALWAYS_SHARED_FROM, ALWAYS_SHARED_FROM);
    const changed = level !== this.announced;
    if (!changed && !(repeat && level < ALWAYS_SHARED_FROM)) return;
    this.announced = level;
    await this.connection.query('SELECT pg_notify($1, $2)', [WANTED_CHANNEL, JSON.stringify({ from: this.connection.instanceId, level })]);
  }

  private wantedElsewhere(payload: string): void {
    let wish: { from?: unknown; level?: unknown };
    try {
      wish = JSON.parse(payload) as typeof wish;
    } catch {
      return;
    }
    if (typeof wish.from !== 'string' || wish.from === this.connection.instanceId) return;
    if (typeof wish.level === 'number' && (LEVEL_NUMBERS as number[]).includes(wish.level) && wish.level < ALWAYS_SHARED_FROM) {
      this.wanted.set(wish.from, { level: wish.level, until: Date.now() + WANT_EXPIRES_MS });
    } else this.wanted.delete(wish.from);
  }

  private gather(entry: LogEntry): void {
    if (this.stopped || entry.level < this.sharedFrom()) return;
    const belowInfo = entry.level < ALWAYS_SHARED_FROM;
    if (this.pending.length >= SHARED_LINES_BOUND.lines || (belowInfo && this.pendingBelowInfo >= SHARED_LINES_BOUND.belowInfo)) {
      this.dropped += 1;
      return;
    }
    if (belowInfo) this.pendingBelowInfo += 1;
    this.pending.push(entry.msg.length > MAX_MESSAGE_CHARS ? { ...entry, msg: `${entry.msg.slice(0, MAX_MESSAGE_CHARS)}…` } : entry);
    this.timer ??= setTimeout(() => void this.send(), GATHER_MS).unref();
  }

  /** Never rejects, and logs nothing: a line about a lost line would be shared in turn. */
  private async send(): Promise<void> {
    this.timer = undefined;
    const lines = this.pending;
    const { payloads, left } = packed(this.connection.instanceId, lines, this.dropped);
    this.pending = [];
    this.pendingBelowInfo = 0;
    this.dropped = left;
    for (const payload of payloads) await this.connection.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
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
    const last = batch.lines.at(-1);
    if (last && typeof batch.dropped === 'number' && batch.dropped > 0) {
      const time = Date.now();
      this.logs.addFromElsewhere({
        ...last,
        level: LOG_LEVEL_NUMBERS.warn,
        msg: `${batch.dropped} log lines of this instance were not passed on: over ${SHARED_LINES_BOUND.lines * (1000 / GATHER_MS)} lines or ${(SHARED_LINES_BOUND.bytes * (1000 / GATHER_MS)) / 1024} KiB a second`,
        time,
        timestamp: new Date(time).toISOString(),
      });
    }
  }
}

/**
 * The lines as NOTIFY payloads, each under the size limit and all together within
 * SHARED_LINES_BOUND.bytes; the count of lines dropped rides on the last payload. `left`: a count
 * of dropped lines not yet told (there was no line to carry it).
 */
function packed(from: string, lines: LogEntry[], droppedBefore: number): { payloads: string[]; left: number } {
  const batches: LogEntry[][] = [];
  let batch: LogEntry[] = [];
  let bytes = 0;
  let total = 0;
  let dropped = droppedBefore;
  for (const line of lines) {
    const size = Buffer.byteLength(JSON.stringify(line)) + 1;
    if (size > MAX_PAYLOAD_BYTES || total + size > SHARED_LINES_BOUND.bytes) {
      dropped += 1;
      continue;
    }
    if (bytes + size > MAX_PAYLOAD_BYTES) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(line);
    bytes += size;
    total += size;
  }
  if (batch.length > 0) batches.push(batch);
  if (batches.length === 0) return { payloads: [], left: dropped };
  const payloads = batches.map((lines, index) => JSON.stringify(index === batches.length - 1 && dropped > 0 ? { from, lines, dropped } : { from, lines }));
  return { payloads, left: 0 };
}
