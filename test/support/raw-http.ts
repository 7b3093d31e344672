import { connect, type Socket } from 'node:net';

/** An HTTP/1.1 answer as read off the wire. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  /** The body, de-chunked. */
  body: string;
}

/** What a raw connection saw: the bytes, and how long the server kept it open. */
export interface RawExchange {
  text: string;
  closedAfterMs: number;
  /** True when the server closed it; false when the test gave up after `waitMs`. */
  closedByServer: boolean;
}

/** Where the test server listens, from its URL. */
export function addressOf(url: string): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port) };
}

/** Builds a request as it goes on the wire; `Connection: close` so that the server ends the exchange. */
export function httpRequest(method: string, target: string, headers: Record<string, string> = {}, body = ''): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  if (body !== '' && !Object.keys(headers).some((name) => /^(content-length|transfer-encoding)$/i.test(name))) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * Opens a connection to 127.0.0.1, writes `request` (then `drip`, every `dripEveryMs`, while
 * the connection lasts or `dripTimes` times), and collects what comes back until the server
 * closes the connection or `waitMs` passes.
 */
export function rawExchange(
  address: { host: string; port: number },
  request: string | Buffer,
  options: { waitMs?: number; drip?: string; dripEveryMs?: number; dripTimes?: number } = {},
): Promise<RawExchange> {
  const { waitMs = 10_000, drip, dripEveryMs = 250, dripTimes = Infinity } = options;
  return new Promise((resolve) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    const socket: Socket = connect(address.port, address.host);
    let dripping: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      clearTimeout(giveUp);
      clearInterval(dripping);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), closedAfterMs: Date.now() - started, closedByServer });
    };
    const giveUp = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer still counts as the server closing the connection.
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    socket.on('connect', () => {
      socket.write(request);
      if (drip === undefined) return;
      let dripped = 0;
      dripping = setInterval(() => {
        if (dripped++ >= dripTimes) clearInterval(dripping);
        else if (socket.writable) socket.write(drip);
      }, dripEveryMs);
    });
  });
}

/** Parses the first answer in `text`; throws when there is none. */
export function parseAnswer(text: string): RawAnswer {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) throw new Error(`no HTTP answer in ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...headerLines] = text.slice(0, headEnd).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  if (!status) throw new Error(`not a status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = text.slice(headEnd + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = Buffer.from(body).subarray(0, Number(headers['content-length'])).toString('utf8');
  return { status: Number(status), headers, body };
}

function dechunk(text: string): string {
  let rest = Buffer.from(text);
  const parts: Buffer[] = [];
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd < 0) return Buffer.concat(parts).toString('utf8');
    const size = Number.parseInt(rest.subarray(0, lineEnd).toString(), 16);
    if (!size) return Buffer.concat(parts).toString('utf8');
    parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
    rest = rest.subarray(lineEnd + 2 + size + 2);
  }
}
