import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { credentialsFromHttpAuthorization } from './auth.js';
import { FakeReadServer, pathState, refuse, writeError, type ReadServerContext } from './read-server.js';
import { whepAnswer } from './whep-answer.js';

/**
 * MediaMTX's WebRTC server, as far as a WHEP reader goes (`internal/servers/webrtc/http_server.go`,
 * `session.go` `runRead`, v1.20.1): see README.md, "WebRTC (WHEP) and HLS readers".
 */
export async function startFakeWebRtcServer(context: ReadServerContext): Promise<FakeWebRtcServer> {
  const sessions = new Map<string, { sessionId: string; path: string }>();
  const media: WebRtcMedia = { answer: whepAnswer };
  const server = new FakeReadServer((req, res, body) => handleWebRtc(req, res, body, context, sessions, media), context);
  await server.start();
  return Object.assign(server, { media });
}

/**
 * What answers a WHEP offer once MediaMTX has accepted the reader: by default `whepAnswer`, an
 * answer with no candidate (no media moves); a test that needs video plugs in a real peer
 * (`test/support/browser-media-source.ts`). A failure is a 400 with its message, as MediaMTX
 * answers an offer it cannot negotiate.
 */
export interface WebRtcMedia {
  answer: (offer: string, path: string) => string | Promise<string>;
}

export type FakeWebRtcServer = FakeReadServer & { media: WebRtcMedia };

const NO_ID = /^\/(.+?)\/(whip|whep)$/;
const WITH_ID = /^\/(.+?)\/(whip|whep)\/(.+?)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ALLOW_METHODS = 'OPTIONS, GET, POST, PATCH, DELETE';
const ALLOW_HEADERS = 'Authorization, Content-Type, If-Match';

async function handleWebRtc(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  { fake, driver }: ReadServerContext,
  sessions: Map<string, { sessionId: string; path: string }>,
  media: WebRtcMedia,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const rawQuery = url.search.slice(1);
  // middlewarePreflightRequests: any CORS preflight, before routing and without auth.
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
    res.writeHead(204, { 'Access-Control-Allow-Methods': ALLOW_METHODS, 'Access-Control-Allow-Headers': ALLOW_HEADERS }).end();
    return;
  }
  const noId = NO_ID.exec(url.pathname);
  if (noId && noId[2] === 'whep') {
    const path = noId[1];
    const read = (id: string | null) =>
      driver.authenticate({
        action: 'read',
        path,
        protocol: 'webrtc',
        id,
        query: rawQuery,
        userAgent: req.headers['user-agent'] ?? '',
        ip: req.socket.remoteAddress?.replace(/^::ffff:/, ''),
        credentials: credentialsFromHttpAuthorization(req.headers.authorization),
      });
    if (req.method === 'OPTIONS') {
      // onWHIPOptions: checkAuthOutsideSession (id null), then what a WHEP client may send.
      if (pathState(fake, path) === 'not configured') return writeError(res, 500, `path '${path}' is not configured`);
      const outcome = await read(null);
      if (outcome.result !== 'allowed') return refuse(res, outcome.challenge);
      res.writeHead(204, {
        'Access-Control-Allow-Methods': ALLOW_METHODS,
        'Access-Control-Allow-Headers': ALLOW_HEADERS,
        'Access-Control-Expose-Headers': 'Accept-Post, Link',
        'Accept-Post': 'application/sdp',
      });
      res.end();
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'PUT') return writeError(res, 405, 'method not allowed');
    if (req.method !== 'POST') return;
    // onWHIPPost
    if ((req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() !== 'application/sdp') return writeError(res, 400, 'invalid Content-Type');
    const state = pathState(fake, path);
    if (state === 'not configured') return writeError(res, 400, `path '${path}' is not configured`);
    const sessionId = randomUUID();
    const outcome = await read(sessionId);
    if (outcome.result !== 'allowed') return refuse(res, outcome.challenge);
    if (state === 'no stream') return writeError(res, 404, `no stream is available on path '${path}'`);
    let answer: string;
    try {
      answer = await media.answer(body.toString('utf8'), path);
    } catch (error) {
      return writeError(res, 400, (error as Error).message);
    }
    const secret = randomUUID();
    fake.addSession('webrtcsessions', { id: sessionId, path, query: rawQuery, userAgent: req.headers['user-agent'] ?? '' });
    sessions.set(secret, { sessionId, path });
    res.writeHead(201, {
      'Content-Type': 'application/sdp',
      'Access-Control-Expose-Headers': 'ETag, ID, Accept-Patch, Link, Location',
      ETag: '*',
      ID: sessionId,
      // Removed from the WHEP specification, kept by MediaMTX for compatibility.
      'Accept-Patch': 'application/trickle-ice-sdpfrag',
      Location: `/${path}/whep/${secret}${rawQuery ? `?${rawQuery}` : ''}`,
    });
    res.end(answer);
    return;
  }
  const withId = WITH_ID.exec(url.pathname);
  if (withId && (req.method === 'PATCH' || req.method === 'DELETE')) {
    if (!UUID.test(withId[3])) return writeError(res, 400, 'invalid secret');
    if (req.method === 'PATCH' && (req.headers['content-type'] ?? '').split(';')[0].trim() !== 'application/trickle-ice-sdpfrag') return writeError(res, 400, 'invalid Content-Type');
    const session = sessions.get(withId[3].toLowerCase());
    // A session kicked through the Control API is gone too.
    if (!session || !fake.session(session.sessionId)) return writeError(res, 404, 'session not found');
    if (req.method === 'PATCH') {
      // Candidates are taken and ignored: the fake has no ICE agent. MediaMTX answers 204.
      res.writeHead(204).end();
      return;
    }
    sessions.delete(withId[3].toLowerCase());
    fake.endSession(session.sessionId);
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify({ status: 'ok' }));
  }
}

