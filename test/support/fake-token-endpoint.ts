import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How the endpoint answers one request. */
export type Reply =
  /** 200 with a token answer; `accessToken` defaults to a fresh random one, `expiresIn` to 3600 (null: left out). */
  | { grant: { accessToken?: string; expiresIn?: number | string | null; refreshToken?: string; extra?: Record<string, unknown> } }
  /** An RFC 6749 §5.2 error answer. */
  | { error: string; description?: string; status?: number }
  /** Anything else, as given. */
  | { status: number; contentType?: string; body: string }
  /** Never answers (the connection stays open until the endpoint stops). */
  | 'hang';

export interface RecordedTokenRequest {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  /** The form body, decoded. */
  form: Record<string, string>;
  /** The client credentials of an `Authorization: Basic` header, decoded per RFC 6749 §2.3.1. */
  basic?: { clientId: string; clientSecret: string };
  at: number;
  /** What the endpoint answered (the tokens it handed out included); undefined while held or hanging. */
  reply?: Reply;
}

type Responder = (request: RecordedTokenRequest, index: number) => Reply | Promise<Reply>;

const formDecode = (value: string): string => decodeURIComponent(value.replace(/\+/g, ' '));

/**
 * A local OAuth2 token endpoint for the tests. Each path answers through its own responder
 * (a list of replies, the last repeating, or a function), and every request is recorded with
 * its headers, form body and answer, so tests can check client authentication and count
 * refreshes.
 */
export class FakeTokenEndpoint {
  readonly requests: RecordedTokenRequest[] = [];
  private readonly responders = new Map<string, Responder>();
  private readonly sockets = new Set<Socket>();
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeTokenEndpoint> {
    const server = createServer();
    const endpoint = new FakeTokenEndpoint(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => void endpoint.handle(req.url ?? '/', req.method ?? 'GET', req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    server.on('connection', (socket) => {
      endpoint.sockets.add(socket);
      socket.on('close', () => endpoint.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return endpoint;
  }

  get url(): string {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** The token URL of `path`, answering with `replies` in turn (the last one repeats) or by `responder`. */
  route(path: string, replies: Reply[] | Responder): string {
    const responder: Responder = Array.isArray(replies) ? (_request, index) => replies[Math.min(index, replies.length - 1)] : replies;
    this.responders.set(path, responder);
    return `${this.url}${path}`;
  }

  requestsTo(path: string): RecordedTokenRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  /** Resolves once `path` has had `count` requests, or rejects after `ms`. */
  async waitForRequests(path: string, count: number, ms = 10000): Promise<RecordedTokenRequest[]> {
    const deadline = Date.now() + ms;
    while (this.requestsTo(path).length < count) {
      if (Date.now() > deadline) throw new Error(`${path} had ${this.requestsTo(path).length} of ${count} requests within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.listeners.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.requestsTo(path);
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async handle(url: string, method: string, headers: IncomingHttpHeaders, body: string, res: ServerResponse): Promise<void> {
    const path = url.split('?')[0];
    const form = Object.fromEntries(
      body
        .split('&')
        .filter((pair) => pair !== '')
        .map((pair) => {
          const [name, value = ''] = pair.split('=');
          return [formDecode(name), formDecode(value)];
        }),
    );
    const request: RecordedTokenRequest = { path, method, headers, form, at: Date.now() };
    const basic = /^Basic (.+)$/.exec(headers.authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      request.basic = { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
    }
    const index = this.requestsTo(path).length;
    this.requests.push(request);
    for (const listener of [...this.listeners]) listener();
    this.listeners.clear();

    const responder = this.responders.get(path);
    if (!responder) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no such route');
    let reply = await responder(request, index);
    if (reply === 'hang') return;
    if ('grant' in reply) {
      const { accessToken, expiresIn = 3600, refreshToken, extra } = reply.grant;
      reply = { grant: { ...reply.grant, accessToken: accessToken ?? `access-${randomBytes(12).toString('base64url')}` } };
      const answer: Record<string, unknown> = { access_token: reply.grant.accessToken, token_type: 'Bearer', ...extra };
      if (expiresIn !== null) answer.expires_in = expiresIn;
      if (refreshToken !== undefined) answer.refresh_token = refreshToken;
      request.reply = reply;
      return void res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(answer));
    }
    request.reply = reply;
    if ('error' in reply) {
      const answer = { error: reply.error, ...(reply.description === undefined ? {} : { error_description: reply.description }) };
      return void res.writeHead(reply.status ?? 400, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    }
    res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/plain' }).end(reply.body);
  }
}

/** The access token the endpoint handed out in answer to `request`. */
export const accessTokenOf = (request: RecordedTokenRequest): string => {
  const reply = request.reply;
  if (!reply || reply === 'hang' || !('grant' in reply) || !reply.grant.accessToken) throw new Error(`${request.path} handed out no access token`);
  return reply.grant.accessToken;
};
