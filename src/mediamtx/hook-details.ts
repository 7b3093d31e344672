/** Query parameters that can carry credentials; they never reach a topic. */
const SECRET_QUERY_KEYS = new Set(['token', 'access_token', 'jwt', 'password', 'pass', 'secret', 'key']);

/** Undoes Go's url.QueryEscape, which MediaMTX applies to the query before putting it in MTX_QUERY. */
function queryUnescape(escaped: string): string {
  try {
    return decodeURIComponent(escaped.replace(/\+/g, ' '));
  } catch {
    return escaped;
  }
}

/** A hook's MTX_QUERY as key/value pairs, decoded, without credentials. */
export function decodedQuery(escaped: string | undefined): Record<string, string> {
  const query: Record<string, string> = {};
  if (!escaped) return query;
  const raw = queryUnescape(escaped);
  for (const [key, value] of new URLSearchParams(raw.startsWith('?') ? raw.slice(1) : raw)) {
    if (!SECRET_QUERY_KEYS.has(key.toLowerCase())) query[key] = value;
  }
  return query;
}

/** The `token` parameter of the auth callback's (raw, not escaped) query, if any. */
export function queryToken(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  return new URLSearchParams(raw.startsWith('?') ? raw.slice(1) : raw).get('token') ?? undefined;
}
