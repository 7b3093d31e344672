import { Writable } from 'node:stream';
import { z } from 'zod';
import { LOG_LEVEL_NUMBERS, wireLevel } from './logger.js';

export const LEVEL_NUMBERS = Object.values(LOG_LEVEL_NUMBERS);
export const logRoom = (level: number): string => `logs:${level}`;
/** The room of sockets that follow every instance's lines at or above `level`. */
export const clusterLogRoom = (level: number): string => `logs:all:${level}`;
/** Where an admin socket's live stream starts: lines from `info` up. */
export const DEFAULT_LIVE_LOG_LEVEL = LOG_LEVEL_NUMBERS.info;

/** One log line as the `log` event and `logs list` carry it (NestMTX's shape, and the instance that wrote it). */
export const logEntrySchema = z.object({
  hostname: z.string(),
  instance: z.string().describe('INSTANCE_NAME of the relay that wrote the line'),
  level: z.number().int(),
  msg: z.string(),
  pid: z.number().int(),
  service: z.string(),
  time: z.number(),
  timestamp: z.string(),
});

export type LogEntry = z.output<typeof logEntrySchema>;

type Deliver = (rooms: string[], entry: LogEntry) => void;
type LineListener = (entry: LogEntry) => void;
/** How many sockets are in a room. */
type RoomSize = (room: string) => number;

/**
 * Keeps the most recent log lines and hands each new one to whoever listens live. It is a
 * pino destination, so it sees lines after redaction, never a secret.
 */
export class LogStream extends Writable {
  private readonly lines: LogEntry[] = [];
  private deliver: Deliver | undefined;
  private roomSize: RoomSize = () => 0;
  private readonly lineListeners: LineListener[] = [];
  private readonly followListeners: Array<() => void> = [];

  constructor(
    private readonly capacity: number,
    private readonly instance = '',
  ) {
    super({ decodeStrings: false });
  }

  /** Calls `listener` with each line this instance writes (to pass them to other instances). */
  onLine(listener: LineListener): void {
    this.lineListeners.push(listener);
  }

  /** A line another instance wrote: to the sockets that follow every instance. */
  addFromElsewhere(entry: LogEntry): void {
    this.deliver?.(LEVEL_NUMBERS.filter((level) => level <= entry.level).map(clusterLogRoom), entry);
  }

  /** Sets where live lines go: a line at level L goes to the rooms of every level up to L. */
  attach(deliver: Deliver, roomSize?: RoomSize): void {
    this.deliver = deliver;
    if (roomSize) this.roomSize = roomSize;
  }

  /** The lowest level some socket of this instance follows every instance's lines at; undefined when none does. */
  lowestFollowedEverywhere(): number | undefined {
    return LEVEL_NUMBERS.find((level) => this.roomSize(clusterLogRoom(level)) > 0);
  }

  /** A socket started, changed or stopped its live stream. */
  followChanged(): void {
    for (const listener of this.followListeners) listener();
  }

  onFollowChange(listener: () => void): void {
    this.followListeners.push(listener);
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() !== '') this.add(line);
    }
    done();
  }

  recent(minimumLevel: number, limit: number): LogEntry[] {
    return this.lines.filter((entry) => entry.level >= minimumLevel).slice(-limit);
  }

  private add(line: string): void {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const time = typeof record.time === 'number' ? record.time : Date.now();
    const entry: LogEntry = {
      hostname: typeof record.hostname === 'string' ? record.hostname : '',
      instance: this.instance,
      // Lines arrive with pino's numbers (standard output's); kept and sent with the wire's.
      level: typeof record.level === 'number' ? wireLevel(record.level) : LOG_LEVEL_NUMBERS.info,
      msg: typeof record.msg === 'string' ? record.msg : '',
      pid: typeof record.pid === 'number' ? record.pid : process.pid,
      service: typeof record.context === 'string' ? record.context : typeof record.service === 'string' ? record.service : 'mtx-relay',
      time,
      timestamp: new Date(time).toISOString(),
    };
    this.lines.push(entry);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
    const levels = LEVEL_NUMBERS.filter((level) => level <= entry.level);
    this.deliver?.([...levels.map(logRoom), ...levels.map(clusterLogRoom)], entry);
    for (const listener of this.lineListeners) listener(entry);
  }
}
