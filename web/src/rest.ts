/** The error body every relay answer has on failure (`src/common/errors.ts`). */
export interface RelayErrorBody {
  error: { status: number; code: string; message: string; details: unknown[] };
}

export class RelayError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

/** A REST call before there is a socket (sign in, refresh); throws a RelayError with the server's words. */
export async function restCall<T>(method: string, path: string, body?: unknown, bearer?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new RelayError('unavailable', 0, 'the relay cannot be reached: check the network and that it is running');
  }
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (parsed as Partial<RelayErrorBody> | undefined)?.error;
    throw new RelayError(error?.code ?? 'internal', response.status, error?.message ?? `the relay answered HTTP ${response.status}`, error?.details);
  }
  return parsed as T;
}
