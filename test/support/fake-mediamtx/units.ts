import { ApiError } from './api-error.js';

/** Go and MediaMTX value formats: durations (`time.Duration`, `conf.Duration`) and byte sizes (`conf.StringSize`). */

const NS = { ns: 1n, us: 1000n, µs: 1000n, μs: 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n } as const;
const DAY = 24n * NS.h;

/** Go's time.ParseDuration (in nanoseconds). */
function parseGoDuration(s: string): bigint {
  const orig = s;
  const invalid = (): ApiError => new ApiError(400, `time: invalid duration "${orig}"`);
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const [whole, int, frac] = [m[0], m[1], m[2] ?? ''];
    if (int === '' && frac === '') throw invalid();
    s = s.slice(whole.length);
    const unitMatch = /^[^\d.]*/.exec(s)!;
    const unit = unitMatch[0];
    if (unit === '') throw new ApiError(400, `time: missing unit in duration "${orig}"`);
    const scale = (NS as Record<string, bigint>)[unit];
    if (scale === undefined) throw new ApiError(400, `time: unknown unit "${unit}" in duration "${orig}"`);
    s = s.slice(unit.length);
    total += BigInt(int || '0') * scale;
    if (frac !== '') total += (BigInt(frac) * scale) / 10n ** BigInt(frac.length);
  }
  return neg ? -total : total;
}

/** MediaMTX's conf.Duration unmarshal: an optional "<n>d" prefix, then a Go duration. */
export function parseMtxDuration(s: string): bigint {
  let days = 0n;
  let negative = false;
  const m = /^(-?[0-9]+)d/.exec(s);
  if (m) {
    days = BigInt(m[1]);
    if (days < 0n) {
      negative = true;
      days = -days;
    }
    s = s.slice(m[0].length);
  }
  let rest = s.length !== 0 ? parseGoDuration(s) : 0n;
  rest += days * DAY;
  return negative ? -rest : rest;
}

function fmtFrac(v: bigint, prec: number): [string, bigint] {
  let out = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) out = digit.toString() + out;
    v /= 10n;
  }
  return [print ? '.' + out : '', v];
}

/** Go's time.Duration.String(). */
function goDurationString(d: bigint): string {
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < NS.s) {
    if (u === 0n) return '0s';
    let prec: number;
    let unit: string;
    if (u < NS.us) {
      prec = 0;
      unit = 'ns';
    } else if (u < NS.ms) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const [frac, rest] = fmtFrac(u, prec);
    out = rest.toString() + frac + unit;
  } else {
    const [frac, secs] = fmtFrac(u, 9);
    u = secs;
    out = (u % 60n).toString() + frac + 's';
    u /= 60n;
    if (u > 0n) {
      out = (u % 60n).toString() + 'm' + out;
      u /= 60n;
      if (u > 0n) out = u.toString() + 'h' + out;
    }
  }
  return neg ? '-' + out : out;
}

/** MediaMTX's conf.Duration marshal ("1d", "1h0m0s", "10s"; zero is ""). */
export function formatMtxDuration(d: bigint): string {
  const negative = d < 0n;
  if (negative) d = -d;
  const days = d / DAY;
  const rest = d % DAY;
  let out = negative ? '-' : '';
  if (days > 0n) out += `${days}d`;
  if (rest !== 0n) out += goDurationString(rest);
  return out;
}

const BYTE_UNITS: Array<[string, number]> = [
  ['E', 2 ** 60],
  ['P', 2 ** 50],
  ['T', 2 ** 40],
  ['G', 2 ** 30],
  ['M', 2 ** 20],
  ['K', 2 ** 10],
];

/** bytefmt.ToBytes, as conf.StringSize uses it. */
export function parseByteSize(s: string): number {
  const error = new ApiError(400, 'byte quantity must be a positive integer with a unit of measurement like M, MB, MiB, G, GiB, or GB');
  const upper = s.trim().toUpperCase();
  const i = upper.search(/\p{L}/u);
  if (i === -1) throw error;
  const value = Number(upper.slice(0, i));
  if (upper.slice(0, i) === '' || !Number.isFinite(value) || value < 0) throw error;
  const multiple = upper.slice(i);
  if (multiple === 'B') return Math.floor(value);
  for (const [unit, size] of BYTE_UNITS) {
    if (multiple === unit || multiple === `${unit}B` || multiple === `${unit}IB`) return Math.floor(value * size);
  }
  throw error;
}

/** bytefmt.ByteSize. */
export function formatByteSize(bytes: number): string {
  if (bytes === 0) return '0B';
  for (const [unit, size] of BYTE_UNITS) {
    if (bytes >= size) return (bytes / size).toFixed(1).replace(/\.0$/, '') + unit;
  }
  return (bytes / 1).toFixed(1).replace(/\.0$/, '') + 'B';
}
