import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeMediaMtx } from './control-api.js';
import type { MediaMtxDriver } from './driver.js';
import { RestartableHttpServer } from './restartable-server.js';

/** A request one of the read servers (WebRTC, HLS) received, and its answer's status. */
export interface RecordedReadRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  authorization: string | undefined;
  origin: string | undefined;
  status: number;
  /** The answer's WWW-Authenticate, when it had one. */
  challenge: string | undefined;
}

/** What a read server's handler needs: the fake's paths and sessions, and the auth callback. */
export interface ReadServerContext {
  fake: FakeMediaMtx;
  driver: MediaMtxDriver;
}

export type ReadHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer, context: ReadServerContext) => Promise<void> | void;

/**
 * One of MediaMTX's HTTP servers for readers (`webrtcAddress` :8889, `hlsAddress` :8888), on
 * its own port beside the Control API, as in MediaMTX. Every answer carries
 * `Access-Control-Allow-Origin: *` (`webrtcAllowOrigins` / `hlsAllowOrigins` default `["*"]`,
 * `internal/protocols/httpp/handler_origin.go`). stop() makes it unreachable; start() brings
 * it back on the same port.
 */
export class FakeReadServer {
  readonly requests: RecordedReadRequest[] = [];
  private readonly http: RestartableHttpServer;

  constructor(
    private readonly handler: ReadHandler,
    private readonly context: ReadServerContext,
    readonly host = '127.0.0.1',
  ) {
    this.http = new RestartableHttpServer((req, res) => void this.handle(req, res), host);
  }

  get url(): string {
    return this.http.url;
  }

  async start(): Promise<this> {
    await this.http.start();
    return this;
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.on('finish', () => {
      const challenge = res.getHeader('www-authenticate');
      this.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        origin: req.headers.origin,
        status: res.statusCode,
        challenge: typeof challenge === 'string' ? challenge : undefined,
      });
    });
    try {
      await this.handler(req, res, Buffer.concat(chunks), this.context);
    } catch (error) {
      if (!res.headersSent) writeError(res, 500, (error as Error).message);
      else res.destroy();
    }
    if (!res.writableEnded) {
      // gin's answer when no handler wrote anything.
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found');
    }
  }
}

/** `writeErrorNoLog`: `{"status":"error","error":"..."}` (`defs/api.go`). */
export function writeError(res: ServerResponse, status: number, error: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify({ status: 'error', error }));
}

/** The path's state as a reader's session sees it (`conf.FindPathConf`, then the path's stream). */
export function pathState(fake: FakeMediaMtx, name: string): 'not configured' | 'no stream' | 'available' {
  const runtime = fake.path(name);
  if (!runtime) return 'not configured';
  return runtime.available ? 'available' : 'no stream';
}

/**
 * A refused read: 401, with `WWW-Authenticate: Basic realm="mediamtx"` only when MediaMTX asks
 * for credentials (the request had none: no user, password or token). MediaMTX also waits
 * 0-4 s before a refusal without the challenge (`auth/log_and_delay_error.go`); the fake does not.
 */
export function refuse(res: ServerResponse, challenge: string | undefined): void {
  writeError(res, 401, 'authentication error', challenge ? { 'WWW-Authenticate': challenge } : {});
}
