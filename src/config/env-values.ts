import { isIP } from 'node:net';
import { z } from 'zod';

// Schemas for one environment variable each. Messages read after the variable's name
// ("PORT must be a whole number between 0 and 65535"); config.ts adds the value given.

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration in seconds: `90`, `30s`, `15m`, `12h` or `7d`. */
export const durationSeconds = z
  .string()
  .regex(/^\d+[smhd]?$/, 'must be a whole number of seconds, or a number followed by s, m, h or d (90, 30s, 15m, 12h, 7d)')
  .transform((value) => Number.parseInt(value, 10) * (UNIT_SECONDS[value.at(-1)!] ?? 1))
  .refine((seconds) => seconds > 0, 'must be greater than zero');

/** A whole number within [min, max]. */
export function wholeNumber(min: number, max?: number) {
  const message = max === undefined ? `must be a whole number of at least ${min}` : `must be a whole number between ${min} and ${max}`;
  return z
    .string()
    .regex(/^-?\d+$/, message)
    .transform(Number)
    .refine((value) => value >= min && (max === undefined || value <= max), message);
}

/** A number above zero, fractions allowed (`0.5`). */
export const positiveNumber = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a number greater than zero')
  .transform(Number)
  .refine((value) => value > 0, 'must be a number greater than zero');

/** An absolute URL with one of `schemes` and, unless `hostOptional`, a host; such as `example`. */
export function urlWith(schemes: string[], example: string, hostOptional = false) {
  const names = schemes.map((scheme) => `${scheme}://`);
  const message = `must be a URL that starts with ${[names.slice(0, -1).join(', '), names.at(-1)].filter(Boolean).join(' or ')} (such as ${example})`;
  return z.string().refine((value) => {
    try {
      const url = new URL(value);
      return schemes.includes(url.protocol.slice(0, -1)) && (hostOptional || url.hostname !== '');
    } catch {
      return false;
    }
  }, message);
}

/** A 256-bit key, as 64 hex digits or 44 characters of base64. */
export const secretKey = z
  .string()
  .transform((value) => (/^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64')))
  .refine((key) => key.length === 32, 'must be 32 bytes: 64 hex digits or 44 characters of base64 (openssl rand -base64 32)');

/** A comma-separated list, blanks dropped, each entry checked by `entry`. */
export function commaList<T extends z.ZodType<unknown, string>>(entry: T) {
  return z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    )
    .pipe(z.array(entry));
}

/** An IP address or a CIDR block: `127.0.0.1`, `172.16.0.0/12`, `::1`. */
export const ipAddressOrCidr = z.string().refine((entry) => {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}, 'must be a comma-separated list of IP addresses or CIDR blocks such as 127.0.0.1,172.16.0.0/12');
