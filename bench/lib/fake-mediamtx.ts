import { createServer, type Server } from 'node:http';

export interface BenchMediaMtx {
  url: string;
  /**
   * A stream starts or stops on a path (what MediaMTX knows before it runs `runOnReady` /
   * `runOnNotReady`): the runtime lists say so from then on, so the relay's check of a hook
   * against MediaMTX agrees with the hook.
   */
  setAvailable(path: string, available: boolean): void;
  close(): Promise<void>;
}

/**
 * Just enough of MediaMTX's Control API v3 for the relay's path sync and camera status: paths
 * can be listed, added, replaced and deleted, and each configured path reports its runtime (no
 * readers; available as setAvailable last said, idle otherwise) in `/v3/paths/get` and
 * `/v3/paths/list`. It runs in the runner process, so its (tiny) work lands on neither measured
 * process.
 */
export async function startFakeMediaMtx(): Promise<BenchMediaMtx> {
  const paths = new Set<string>();
  // The process start time MediaMTX reports in /v3/info: fixed, this one never restarts.
  const started = new Date().toISOString();
  const available = new Set<string>();
  const runtime = (path: string) => {
    const on = available.has(path);
    return { name: path, confName: path, available: on, ready: on, online: on, source: on ? { type: 'rtspSource', id: '' } : null, inboundBytes: 0, readers: [], tracks2: [] };
  };
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://mediamtx');
      const send = (status: number, body?: unknown) => {
        response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
        response.end(body === undefined ? '' : JSON.stringify(body));
      };
      const name = (prefix: string) => decodeURIComponent(url.pathname.slice(prefix.length));
      if (url.pathname === '/v3/info') return send(200, { version: 'v1.20.1', started });
      if (url.pathname === '/v3/config/paths/list') return send(200, { pageCount: 1, itemCount: paths.size, items: [...paths].map((path) => ({ name: path })) });
      if (url.pathname.startsWith('/v3/config/paths/add/')) {
        const path = name('/v3/config/paths/add/');
        if (paths.has(path)) return send(400, { error: 'path already exists' });
        paths.add(path);
        return send(200);
      }
      if (url.pathname.startsWith('/v3/config/paths/replace/')) {
        paths.add(name('/v3/config/paths/replace/'));
        return send(200);
      }
      if (url.pathname.startsWith('/v3/config/paths/delete/')) return send(paths.delete(name('/v3/config/paths/delete/')) ? 200 : 404, { error: 'path not found' });
      if (url.pathname === '/v3/paths/list') return send(200, { pageCount: 1, itemCount: paths.size, items: [...paths].sort().map(runtime) });
      if (url.pathname.startsWith('/v3/paths/get/')) {
        const path = name('/v3/paths/get/');
        if (!paths.has(path)) return send(404, { error: 'path not found' });
        return send(200, runtime(path));
      }
      return send(404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    setAvailable: (path, on) => void (on ? available.add(path) : available.delete(path)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
