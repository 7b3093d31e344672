import type { Socket } from 'socket.io-client';
import { restPath, restRoutesOf } from '../../src/transports/rest/rest-routes.ts';
import { connectSocket, rpc, type TestServer } from './test-server.js';

/** What a client asks, whatever the transport. */
export interface WireRequest {
  module: string;
  command: string;
  entity?: string | number;
  payload?: Record<string, unknown>;
}

/** What a client sees: the HTTP status (REST) or the status an error body names (socket), and the body. */
export interface WireAnswer<T = any> {
  status: number | undefined;
  body: T;
  /** The requestId the socket request carried; undefined over REST. */
  requestId: string | undefined;
}

export type Transport = 'rest' | 'socket';

/** A signed-in client on one transport. */
export interface Caller {
  token: string;
  socket?: Socket;
}

let counter = 0;

/** Sends one request over REST (the command's first route in the REST table) or as a socket `request`. */
export async function send<T = any>(server: TestServer, transport: Transport, caller: Caller, request: WireRequest): Promise<WireAnswer<T>> {
  if (transport === 'socket') {
    caller.socket ??= await connectSocket(server.url, { auth: { token: caller.token } });
    const requestId = `${request.module}-${request.command}-${++counter}`;
    const body = await rpc<any>(caller.socket, { ...request, requestId });
    return { status: body?.error?.status, body, requestId };
  }
  const [route] = restRoutesOf(request.module, request.command, request.entity !== undefined);
  if (!route) throw new Error(`no REST route for ${request.module}.${request.command}`);
  let path = restPath(route, request.module, encodeURIComponent(String(request.entity)));
  if (route.payload === 'query' && request.payload) {
    const query = new URLSearchParams(Object.entries(request.payload).map(([key, value]): [string, string] => [key, String(value)]));
    path += `?${query.toString()}`;
  }
  const answer = await server.http<T>(route.method, path, { token: caller.token, body: route.payload === 'body' ? request.payload : undefined });
  return { status: answer.status, body: answer.body, requestId: undefined };
}

/** The one error shape, with the context a client of that transport gets back. */
export function errorShape(
  answer: Pick<WireAnswer, 'requestId'>,
  request: Pick<WireRequest, 'module' | 'command'>,
  status: number,
  code: string,
  message: string,
  details: unknown[] = [],
): { error: Record<string, unknown> } {
  const context: Record<string, unknown> = { module: request.module, command: request.command };
  if (answer.requestId !== undefined) context.requestId = answer.requestId;
  return { error: { status, code, message, details, context } };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `probe` until it returns true, or throws after `ms`. */
export async function eventually(probe: () => Promise<boolean>, ms = 10000, interval = 200): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(interval);
  }
}
