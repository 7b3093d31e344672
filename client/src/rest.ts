import { COMMANDS } from './generated/index.js';
import { errorFromBody, isErrorBody, RelayError } from './errors.js';
import type { TokenKeeper } from './tokens.js';
import type { Tokens } from './types.js';

type Route = { method: string; path: string; payload: 'query' | 'body' | 'none' } | null;

const routeOf = (module: string, command: string): Route =>
  ((COMMANDS as Record<string, Record<string, { rest: Route } | undefined> | undefined>)[module]?.[command]?.rest ?? null);

/** Query string of list options: scalars as they are, anything else as JSON. */
function queryOf(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) return '';
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined) continue;
    query.set(name, typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean));
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return text;
  }
}

/** Runs commands over the REST API with `fetch` (browsers and Node 20+). */
export class RestTransport {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch,
  ) {}

  async call(module: string, command: string, entity: unknown, payload: unknown, token: string | null, timeoutMs: number): Promise<unknown> {
    const route = routeOf(module, command);
    if (!route) throw new RelayError('validation_failed', `${module} ${command} has no REST route (Socket.IO only)`, 400, [], { module, command });
    const path = route.path.replace('{id}', encodeURIComponent(String(entity)));
    const url = `${this.baseUrl}${path}${route.payload === 'query' ? queryOf(payload) : ''}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (route.payload === 'body') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(payload ?? {});
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, { method: route.method, headers, body, signal: abort.signal });
      text = await response.text();
    } catch (error) {
      if (abort.signal.aborted) throw new RelayError('timeout', `${module} ${command} got no answer within ${timeoutMs} ms`, 0, [], { module, command });
      throw new RelayError('network', `${module} ${command} failed: ${error instanceof Error ? error.message : String(error)}`, 0, [], { module, command });
    } finally {
      clearTimeout(timer);
    }
    const answer = parseJson(text);
    if (isErrorBody(answer)) throw errorFromBody(answer);
    if (!response.ok) throw new RelayError('internal', `${module} ${command} answered HTTP ${response.status}`, response.status, [], { module, command });
    return answer;
  }
}

/** A command over REST with the client's token, refreshed first when it is nearly used up, and once more if the server says it expired. */
export async function requestOverRest(
  rest: RestTransport,
  tokens: TokenKeeper,
  onTokens: (tokens: Tokens) => void,
  { module, command, entity, payload, timeoutMs }: { module: string; command: string; entity: unknown; payload: unknown; timeoutMs: number },
): Promise<unknown> {
  const refresh = async () => onTokens(await tokens.refresh());
  const expiresAt = tokens.expiresAt;
  if (tokens.canRefresh && expiresAt !== null && (tokens.used() >= 0.75 || expiresAt <= Date.now())) await refresh();
  try {
    return await rest.call(module, command, entity, payload, tokens.bearer, timeoutMs);
  } catch (error) {
    if (!(error instanceof RelayError) || error.code !== 'token_expired' || !tokens.canRefresh) throw error;
    await refresh();
    return rest.call(module, command, entity, payload, tokens.bearer, timeoutMs);
  }
}
