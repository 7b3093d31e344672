import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { credentialsFromHttpAuthorization } from './auth.js';
import type { PathReader } from './types.js';
import { FakeReadServer, pathState, refuse, writeError, type ReadServerContext } from './read-server.js';
import { ReaderHooks } from './reader-hooks.js';

/**
 * MediaMTX's HLS server, as far as a reader's playlists go (`internal/servers/hls/http_server.go`,
 * v1.20.1): see README.md, "WebRTC (WHEP) and HLS readers".
 */
export async function startFakeHlsServer(context: ReadServerContext): Promise<FakeHlsServer> {
  const sessions = new Map<string, { path: string }>();
  const hooks = new ReaderHooks(context, 'hlssessions');
  const server = await new FakeReadServer((req, res) => handleHls(req, res, context, sessions, hooks), context).start();
  return Object.assign(server, { endSession: (id: string) => hooks.endSession(id) });
}

export type FakeHlsServer = FakeReadServer & {
  /**
   * MediaMTX closes the session: no request for 30 s (`hls/muxer.go:245`), or its muxer closed
   * (`muxer.go:122`, after hlsMuxerCloseAfter without requests). It ends, then runs its unread.
   */
  endSession: (id: string) => PathReader | undefined;
};

const PLAYLIST = 'application/vnd.apple.mpegurl';

async function handleHls(
  req: IncomingMessage,
  res: ServerResponse,
  { fake, driver }: ReadServerContext,
  sessions: Map<string, { path: string }>,
  hooks: ReaderHooks,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
    res.writeHead(204, { 'Access-Control-Allow-Methods': 'OPTIONS, GET', 'Access-Control-Allow-Headers': 'Authorization, Range' }).end();
    return;
  }
  if (req.method !== 'GET' || !url.pathname.endsWith('.m3u8')) return;
  const slash = url.pathname.lastIndexOf('/');
  const path = url.pathname.slice(1, slash);
  const file = url.pathname.slice(slash + 1);
  const query = url.searchParams;
  if (file !== 'index.m3u8') {
    // A media playlist: only within a session (`session` in the query, or its cookie over HTTPS).
    const session = sessions.get(query.get('session') ?? '');
    if (!session || session.path !== path) return writeError(res, 401, 'authentication error');
    // A live playlist with no segment yet: the fake has no muxer.
    res.writeHead(200, { 'Content-Type': PLAYLIST, 'Cache-Control': 'no-cache' });
    res.end('#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n');
    return;
  }
  if (query.get('cookieCheck') !== '1') {
    // First the cookie check, before any auth: back to the same URL with cookieCheck=1 (Go's
    // url.Values.Encode: keys sorted).
    query.set('cookieCheck', '1');
    query.sort();
    res.writeHead(302, {
      'Set-Cookie': 'cookieCheck=1; HttpOnly; Secure; SameSite=None; Partitioned',
      Location: `${url.pathname}?${query.toString()}`,
    });
    res.end();
    return;
  }
  query.delete('cookieCheck');
  const state = pathState(fake, path);
  if (state === 'not configured') return writeError(res, 500, `path '${path}' is not configured`);
  const sessionId = randomUUID();
  const outcome = await driver.authenticate({
    action: 'read',
    path,
    protocol: 'hls',
    id: sessionId,
    query: query.toString(),
    userAgent: req.headers['user-agent'] ?? '',
    ip: req.socket.remoteAddress?.replace(/^::ffff:/, ''),
    credentials: credentialsFromHttpAuthorization(req.headers.authorization),
  });
  if (outcome.result !== 'allowed') return refuse(res, outcome.challenge);
  if (state === 'no stream') return writeError(res, 404, `no stream is available on path '${path}'`);
  // Over HTTP the partitioned cookie cannot be set, so the session rides in the query.
  const secret = randomUUID();
  sessions.set(secret, { path });
  fake.addSession('hlssessions', { id: sessionId, path, query: query.toString(), userAgent: req.headers['user-agent'] ?? '' });
  // The end of session.initialize (session.go:132), before the playlist is answered.
  hooks.read(path, sessionId, query.toString());
  query.set('session', secret);
  res.writeHead(200, { 'Content-Type': PLAYLIST, 'Cache-Control': 'no-cache' });
  res.end(`#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n\n#EXT-X-STREAM-INF:BANDWIDTH=1000000,CODECS="avc1.42e01f"\nvideo1_stream.m3u8?${query.toString()}\n`);
}
