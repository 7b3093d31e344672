import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { credentialsFromHttpAuthorization } from './auth.js';
import type { PathReader } from './types.js';
import { FakeReadServer, pathState, refuse, writeError, type ReadServerContext } from './read-server.js';
import { ReaderHooks } from './reader-hooks.js';
import { whepAnswer } from './whep-answer.js';

/**
 * MediaMTX's WebRTC server, as far as a WHEP reader goes (`internal/servers/webrtc/http_server.go`,
 * `session.go` `runRead`, v1.20.1): see README.md, "WebRTC (WHEP) and HLS readers".
 */
export async function startFakeWebRtcServer(context: ReadServerContext): Promise<FakeWebRtcServer> {
  const sessions = new Map<string, { sessionId: string; path: string }>();
  const media: WebRtcMedia = { answer: whepAnswer };
  const hooks = new ReaderHooks(context, 'webrtcsessions');
  const server = new FakeReadServer((req, res, body) => handleWebRtc(req, res, body, context, sessions, media, hooks), context);
  await server.start();
  return Object.assign(server, { media, endSession: (id: string) => hooks.endSession(id) });
}

/**
 * What answers a WHEP offer once MediaMTX has accepted the reader: by default `whepAnswer`, an
 * answer with no candidate (no media moves, the peer never connects); a test that needs video
 * plugs in a real peer (`test/support/browser-media-source.ts`). A failure is a 400 with its
 * message, as MediaMTX answers an offer it cannot negotiate.
 */
export interface WebRtcMedia {
  answer: (offer: string, path: string) => WebRtcAnswer | Promise<WebRtcAnswer>;
}

/**
 * The SDP answer alone (a peer that never connects), or with `connected`: settles when the
 * peer connection is up (ICE and DTLS; resolves) or has failed (rejects). Only a connected
 * session runs runOnRead (`servers/webrtc/session.go:573`, then `:585`); one that fails, or is
 * not connected within webrtcHandshakeTimeout (10 s), ends without any hook.
 */
export type WebRtcAnswer = string | { sdp: string; connected: Promise<void> };

export type FakeWebRtcServer = FakeReadServer & {
  media: WebRtcMedia;
  /** The session's peer connection failed or closed (session.go:603): it ends, and runs its unread if it read. */
  endSession: (id: string) => PathReader | undefined;
};

/** webrtcHandshakeTimeout's default (`conf/conf.go:521`). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

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
  hooks: ReaderHooks,
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
    let answer: WebRtcAnswer;
    try {
      answer = await media.answer(body.toString('utf8'), path);
    } catch (error) {
      return writeError(res, 400, (error as Error).message);
    }
    const secret = randomUUID();
    fake.addSession('webrtcsessions', { id: sessionId, path, query: rawQuery, userAgent: req.headers['user-agent'] ?? '' });
    sessions.set(secret, { sessionId, path });
    const { sdp, connected } = typeof answer === 'string' ? { sdp: answer, connected: undefined } : answer;
    if (connected) whenConnected(connected, () => sessions.has(secret) && fake.session(sessionId) !== undefined, {
      read: () => hooks.read(path, sessionId, rawQuery),
      // WaitUntilConnected failed: runRead returns, the session closes (server.go closeSession), no hook ran.
      fail: () => {
        if (sessions.delete(secret)) fake.endSession(sessionId);
      },
    });
    res.writeHead(201, {
      'Content-Type': 'application/sdp',
      'Access-Control-Expose-Headers': 'ETag, ID, Accept-Patch, Link, Location',
      ETag: '*',
      ID: sessionId,
      // Removed from the WHEP specification, kept by MediaMTX for compatibility.
      'Accept-Patch': 'application/trickle-ice-sdpfrag',
      Location: `/${path}/whep/${secret}${rawQuery ? `?${rawQuery}` : ''}`,
    });
    res.end(sdp);
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
    // server.go:413-415 closes the session; its runRead returns and runs the deferred unread (session.go:593).
    hooks.unread(session.sessionId);
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify({ status: 'ok' }));
  }
}

/**
 * `pc.WaitUntilConnected(handshakeTimeout)` (session.go:573): the read hook once connected, if
 * the session is still there (a DELETE or kick during the handshake ends runRead before OnRead).
 */
function whenConnected(connected: Promise<void>, stillThere: () => boolean, then: { read: () => void; fail: () => void }): void {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('deadline exceeded')), HANDSHAKE_TIMEOUT_MS);
    timer.unref();
  });
  void Promise.race([connected, deadline])
    .finally(() => clearTimeout(timer))
    .then(
      () => {
        if (stillThere()) then.read();
      },
      () => {
        if (stillThere()) then.fail();
      },
    );
}
