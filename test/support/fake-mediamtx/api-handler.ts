import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import { routeControlApi, type ControlApiState } from './api-routes.js';
import { authRequestBody, credentialsFromHttpAuthorization, matchesPermission } from './auth.js';
import type { ConfigMap, MediaMtxConfig } from './config.js';
import type { PathManagerLoop } from './path-manager.js';
import type { Fault, RecordedAuthCall, RecordedRequest } from './types.js';

/** What the Control API's HTTP side reads and records on its FakeMediaMtx (all public there). */
export interface ControlApiHost {
  readonly config: MediaMtxConfig;
  readonly requests: RecordedRequest[];
  readonly authCalls: RecordedAuthCall[];
  readonly authCallbackUrl: string | undefined;
  readonly pathManager: PathManagerLoop | undefined;
}

/**
 * The Control API's HTTP side (`internal/api`): records each request, plays the injected
 * faults, asks the auth callback (middlewareAuth), routes, and hands a config write over to be
 * applied once the answer has gone out.
 */
export class ControlApiHandler {
  private faults: Array<Fault & { remaining: number }> = [];

  constructor(
    private readonly host: ControlApiHost,
    private readonly state: () => ControlApiState,
    private readonly applyAfterAnswer: (snapshot: Map<string, ConfigMap>) => void,
  ) {}

  injectFault(fault: Fault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.handleRequest(req, res);
    } catch (error) {
      if (!res.headersSent && !res.destroyed) {
        const text = JSON.stringify({ status: 'error', error: error instanceof Error ? error.message : String(error) });
        res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(text);
      }
    }
  }

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q >= 0 ? url.slice(0, q) : url;
    const query = q >= 0 ? url.slice(q + 1) : '';
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      path = rawPath;
    }
    const method = req.method ?? 'GET';
    const record: RecordedRequest = { method, url, path, query, headers: req.headers, body, status: 0, response: '', at: Date.now() };
    this.host.requests.push(record);

    const send = (status: number, payload: unknown, contentType = 'application/json; charset=utf-8'): void => {
      const text = typeof payload === 'string' && !contentType.startsWith('application/json') ? payload : JSON.stringify(payload);
      record.status = status;
      record.response = text;
      if (res.destroyed) return;
      res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };

    const fault = this.faults.find((f) => f.remaining > 0 && (!f.method || f.method === method) && (!f.path || (typeof f.path === 'string' ? f.path === path : f.path.test(path))));
    if (fault) {
      fault.remaining--;
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.hang) return;
      if (fault.status !== undefined) {
        send(fault.status, fault.body ?? { status: 'error', error: 'injected fault' });
        return;
      }
    }

    // middlewareAuth: every request, before routing (an unknown route is authenticated too).
    if (this.host.authCallbackUrl !== undefined) {
      const ok = await this.authenticate(req, query);
      if (!ok.allowed) {
        if (ok.ask) res.setHeader('WWW-Authenticate', 'Basic realm="mediamtx"');
        send(401, { status: 'error', error: 'authentication error' });
        return;
      }
    }

    let status = 200;
    let payload: unknown;
    try {
      const viaPathManager = this.host.pathManager !== undefined && method === 'GET' && (path === '/v3/paths/list' || path.startsWith('/v3/paths/get/'));
      const route = () => routeControlApi(this.state(), method, path, query, body);
      const result = viaPathManager ? await this.host.pathManager.run(route) : route();
      if (result === undefined) {
        send(404, '404 page not found', 'text/plain');
        return;
      }
      payload = result.payload;
      const apply = result.apply;
      // Applied after the answer has gone out (or the client went away), never before.
      if (apply) res.once('close', () => this.applyAfterAnswer(apply));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      status = error.status;
      payload = { status: 'error', error: error.message };
    }
    send(status, payload);
  }

  private async authenticate(req: IncomingMessage, query: string): Promise<{ allowed: boolean; ask: boolean }> {
    const credentials = credentialsFromHttpAuthorization(req.headers.authorization);
    const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const body = authRequestBody({ action: 'api', query, credentials, ip });
    const ask = !credentials.user && !credentials.pass && !body.token;
    if (matchesPermission(this.host.config.authHTTPExclude, body)) return { allowed: true, ask };
    const call: RecordedAuthCall = { body, status: null };
    this.host.authCalls.push(call);
    try {
      const answer = await fetch(this.host.authCallbackUrl!, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      await answer.arrayBuffer();
      call.status = answer.status;
      return { allowed: answer.status >= 200 && answer.status <= 299, ask };
    } catch (error) {
      call.error = error instanceof Error ? error.message : String(error);
      return { allowed: false, ask };
    }
  }
}
