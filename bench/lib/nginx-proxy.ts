/**
 * Debian's nginx in front of relays, shared by the several-instances tests
 * (test/support/nginx-proxy.ts) and the cluster benchmarks; it imports nothing outside bench/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NginxProxy {
  /** http://127.0.0.1:<port> of the proxy. */
  url: string;
  /** nginx's master process (its worker is a child). */
  pid: number;
  /** What nginx wrote to its error log so far. */
  errors(): string;
  stop(): Promise<void>;
}

const NGINX = '/usr/sbin/nginx';

/** A free TCP port on loopback, as the kernel hands one out. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The proxy's configuration: round-robin over `upstreams`, WebSocket upgrades passed through, X-Forwarded-For appended. */
function configuration(prefix: string, port: number, upstreams: string[]): string {
  const servers = upstreams.map((upstream) => `    server ${new URL(upstream).host};`).join('\n');
  return `worker_processes 1;
worker_rlimit_nofile 65536;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' close;
  }
  upstream relay {
${servers}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://relay;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 75s;
      proxy_buffering off;
    }
  }
}
`;
}

/**
 * Debian's nginx in front of `upstreams`, run from a folder of its own (configuration, pid, logs
 * and temp files) on an ephemeral port: nothing of the system's nginx is read or touched.
 */
export async function startNginxProxy(upstreams: string[]): Promise<NginxProxy> {
  const prefix = mkdtempSync(join(tmpdir(), 'mtx-relay-nginx-'));
  for (const folder of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, folder));
  const errorLog = join(prefix, 'error.log');
  const errors = (): string => {
    try {
      return readFileSync(errorLog, 'utf8');
    } catch {
      return '';
    }
  };
  // The port is free when asked; another process taking it before nginx binds is retried once.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const conf = join(prefix, 'nginx.conf');
    writeFileSync(conf, configuration(prefix, port, upstreams));
    const check = spawnSync(NGINX, ['-t', '-q', '-p', prefix, '-e', errorLog, '-c', conf], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`nginx refused its configuration:\n${check.stderr}`);
    const child = spawn(NGINX, ['-p', prefix, '-e', errorLog, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    const url = `http://127.0.0.1:${port}`;
    const started = await listening(url, child);
    if (started) return { url, pid: child.pid!, errors, stop: () => stopNginx(child, prefix) };
    await stopNginx(child, undefined);
    if (attempt >= 2) {
      rmSync(prefix, { recursive: true, force: true });
      throw new Error(`nginx did not start:\n${errors()}`);
    }
  }
}

/** Waits (at most 10 s) until nginx answers on `url`; false if it exited first. */
async function listening(url: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    const answered = await fetch(url).then(
      () => true,
      () => false,
    );
    if (answered) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function stopNginx(child: ChildProcess, prefix: string | undefined): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // TERM is nginx's fast stop; QUIT would wait for the open WebSockets to end.
    child.kill('SIGTERM');
    await exited;
  }
  if (prefix) rmSync(prefix, { recursive: true, force: true });
}
