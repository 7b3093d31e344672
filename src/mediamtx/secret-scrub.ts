export const REDACTED = '[redacted]';

/** What path sync knows of a camera's source when MediaMTX answers about it. */
export interface SourceInText {
  /** The source as sent to MediaMTX, with the credential in it. */
  sent: string;
  /** The same source as admins see it, without the credential. */
  shown: string;
  /** Every secret that went into `sent`, in plain (see `secretsInSource`). */
  secrets: readonly string[];
}

// User info of any URL: `scheme://user:password@`, percent-encoded as a URL carries it.
const URL_USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)[a-z0-9\-._~%!$&()*+,;=:]+@/gi;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const hexDigit = (digit: string): string => (/[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit);

/** A pattern for one character as plain text, backslash-escaped, or percent-encoded once or twice in either case. */
function characterPattern(character: string): string {
  const bytes = [...Buffer.from(character, 'utf8')].map((byte) => byte.toString(16).padStart(2, '0'));
  const percentEncoded = bytes.map((hex) => `%(?:25)?${hexDigit(hex[0])}${hexDigit(hex[1])}`).join('');
  const forms = [escapeRegExp(character), percentEncoded];
  if (character === '"' || character === '\\') forms.push(`\\\\${escapeRegExp(character)}`);
  if (character === ' ') forms.push('\\+');
  return `(?:${forms.join('|')})`;
}

/** A pattern matching `secret` however a URL, a query string or a quoted string may have written it. */
function secretPattern(secret: string): RegExp {
  return new RegExp([...secret].map(characterPattern).join(''), 'g');
}

/**
 * Makes text MediaMTX returned (an error message, which may quote the source in its own words)
 * safe to store and show: the source as sent becomes the source as shown, each secret of the
 * credential is redacted in any form it may take (plain, percent-encoded once or twice with
 * upper- or lower-case hex, `+` for a space, backslash-escaped inside quotes), and so is the user
 * info of any URL in it, the camera's or another.
 */
export function scrubSecrets(text: string, source?: SourceInText): string {
  let scrubbed = source && source.sent !== source.shown ? text.split(source.sent).join(source.shown) : text;
  scrubbed = scrubbed.replace(URL_USER_INFO, `$1${REDACTED}@`);
  // Longest first, so that a secret inside another is not left half-redacted.
  const secrets = [...new Set(source?.secrets.filter((secret) => secret.length > 0))].sort((a, b) => b.length - a.length);
  for (const secret of secrets) scrubbed = scrubbed.replace(secretPattern(secret), REDACTED);
  return scrubbed;
}
