/** Query parameters that can carry credentials; they never reach a topic. */
const SECRET_QUERY_KEYS = new Set(['token', 'access_token', 'jwt', 'password', 'pass', 'secret', 'key']);

/** MediaMTX's raw query string as key/value pairs, percent-decoded, without credentials. */
export function decodedQuery(raw: string | undefined): Record<string, string> {
  const query: Record<string, string> = {};
  if (!raw) return query;
  for (const [key, value] of new URLSearchParams(raw.startsWith('?') ? raw.slice(1) : raw)) {
    if (!SECRET_QUERY_KEYS.has(key.toLowerCase())) query[key] = value;
  }
  return query;
}

/** The `token` parameter of a raw query string, if any. */
export function queryToken(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  return new URLSearchParams(raw.startsWith('?') ? raw.slice(1) : raw).get('token') ?? undefined;
}
