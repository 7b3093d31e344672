import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { asksForCredentials, authRequestBody, completeAuthBody, matchesPermission, type AuthRequest, type AuthRequestBody } from './auth.js';
import { hookArgv, hookChildEnv, queryEscape, type Environment } from './command-line.js';
import { loadMediaMtxConfig, REPO_MEDIAMTX_YML, type MediaMtxConfig } from './config.js';
import { HookChaos, type HookChaosOptions } from './hook-chaos.js';
import type { PathManagerLoop } from './path-manager.js';
import type { HookName } from './types.js';

/**
 * Plays MediaMTX's part towards the relay, from the repo's own mediamtx.yml: runs its
 * pathDefaults hook commands exactly as MediaMTX does (split, expand, exec without a shell)
 * and sends MediaMTX's auth callback to its authHTTPAddress.
 */


/** Variables MediaMTX gives a hook (all strings; a missing one expands from its environment). */
export type HookVariables = Record<string, string>;

export interface HookRun {
  hook: HookName;
  command: string;
  argv: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Lost on the way (HookChaos): the command never reached the relay. */
  dropped?: boolean;
}

export interface MediaMtxDriverOptions {
  /** The relay's base URL as MediaMTX reaches it (RELAY_URL in MediaMTX's environment). */
  relayUrl: string;
  /** RELAY_HOOK_SECRET in MediaMTX's environment (the relay's MEDIAMTX_HOOK_SECRET). */
  hookSecret: string;
  /** mediamtx.yml to play (default: the repo's). */
  configFile?: string;
  /**
   * More of MediaMTX's environment, or overrides. By default it is what docker-compose.yml
   * gives the container: PATH, RELAY_URL, RELAY_HOOK_SECRET and
   * MTX_AUTHHTTPADDRESS=<relayUrl>/api/mediamtx/auth?secret=<hookSecret>.
   */
  env?: Environment;
  /**
   * MediaMTX's path manager loop, shared with a FakeMediaMtx: reader and publisher auth
   * callbacks run inside it, one at a time, and hold its Control API path reads and config
   * applies while they wait. Default: none (callbacks run side by side, nothing waits).
   */
  pathManager?: PathManagerLoop;
  /** Kill a hook process after this long (default 15000 ms; the hooks bound themselves to 5 s). */
  hookTimeoutMs?: number;
  /** Deliver hooks as MediaMTX really does: concurrently, in any order, some lost (see HookChaos). */
  chaos?: HookChaosOptions;
}

/** authHTTPAddress as docker-compose.yml sets it: the relay's callback with the hook secret in its query. */
export function relayAuthAddress(relayUrl: string, hookSecret: string): string {
  return `${relayUrl.replace(/\/+$/, '')}/api/mediamtx/auth?secret=${encodeURIComponent(hookSecret)}`;
}

/** The RTSP port MediaMTX gives hooks as RTSP_PORT (rtspAddress :8554). */
export const RTSP_PORT = '8554';

/** path.ExternalCmdEnv(): what every path hook gets. */
export function pathHookVariables(path: string, groups: string[] = []): HookVariables {
  const vars: HookVariables = { MTX_PATH: path, RTSP_PATH: path, RTSP_PORT };
  groups.forEach((group, i) => {
    vars[`G${i + 1}`] = group;
  });
  return vars;
}

/**
 * hooks.OnAvailable (runOnAvailable/runOnUnavailable): MTX_QUERY is url.QueryEscape of the
 * publisher's raw query ("" for a static source); MTX_SOURCE_TYPE/ID are set only when the path
 * has a source (a static RTSP source is {rtspSource, ""}). Pass `source: null` for none.
 */
export function availableHookVariables(options: { path: string; query?: string; source?: { type: string; id: string } | null }): HookVariables {
  const vars = { ...pathHookVariables(options.path), MTX_QUERY: queryEscape(options.query ?? '') };
  const source = options.source === undefined ? { type: 'rtspSource', id: '' } : options.source;
  if (source) Object.assign(vars, { MTX_SOURCE_TYPE: source.type, MTX_SOURCE_ID: source.id });
  return vars;
}

/** hooks.OnRead (runOnRead/runOnUnread): MTX_QUERY is url.QueryEscape of the reader's raw query. */
export function readHookVariables(options: { path: string; query?: string; readerType?: string; readerId?: string }): HookVariables {
  return {
    ...pathHookVariables(options.path),
    MTX_QUERY: queryEscape(options.query ?? ''),
    MTX_READER_TYPE: options.readerType ?? 'rtspSession',
    MTX_READER_ID: options.readerId ?? randomUUID(),
  };
}

/** hooks.OnDemand (runOnDemand/runOnUnDemand): MTX_QUERY of the first reader. */
export function demandHookVariables(options: { path: string; query?: string }): HookVariables {
  return { ...pathHookVariables(options.path), MTX_QUERY: queryEscape(options.query ?? '') };
}

export interface AuthOutcome {
  body: AuthRequestBody;
  /** The relay's status code. */
  status: number;
  /** What MediaMTX does with it: allow; ask the client for credentials (401 + challenge); refuse. */
  result: 'allowed' | 'askCredentials' | 'denied';
  /**
   * The challenge MediaMTX's HTTP servers (HLS, WebRTC, API) add to their 401 when asking for
   * credentials: `Basic realm="mediamtx"`, which makes a browser show its login prompt
   * (servers/hls/http_server.go, servers/webrtc/http_server.go). RTSP has its own.
   */
  challenge?: string;
}

/** Reader and publisher requests: MediaMTX's path manager calls the auth callback for these. */
const PATH_MANAGER_ACTIONS = new Set(['read', 'publish', 'playback']);
const HTTP_PROTOCOLS = new Set(['hls', 'webrtc', '']);

export class MediaMtxDriver {
  readonly config: MediaMtxConfig;
  /** MediaMTX's own environment (hooks inherit it and expand from it). */
  readonly env: Record<string, string>;
  readonly hookTimeoutMs: number;
  /** Every hook run, oldest first. */
  readonly hookRuns: HookRun[] = [];
  /** When set, hooks are delayed and some lost, as planned by it; runHook then resolves at once. */
  chaos: HookChaos | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  readonly pathManager: PathManagerLoop | undefined;

  constructor(options: MediaMtxDriverOptions) {
    const base: Environment = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      RELAY_URL: options.relayUrl,
      RELAY_HOOK_SECRET: options.hookSecret,
      MTX_AUTHHTTPADDRESS: relayAuthAddress(options.relayUrl, options.hookSecret),
      ...options.env,
    };
    this.pathManager = options.pathManager;
    this.env = hookChildEnv(base, {});
    this.config = loadMediaMtxConfig(options.configFile ?? REPO_MEDIAMTX_YML, this.env);
    this.hookTimeoutMs = options.hookTimeoutMs ?? 15_000;
    this.chaos = options.chaos ? new HookChaos(options.chaos) : undefined;
  }

  /** Resolves when every hook started so far has finished or was lost. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** The command configured for a hook in pathDefaults ("" when none). */
  hookCommand(hook: HookName): string {
    const value = this.config.pathDefaults[hook];
    return typeof value === 'string' ? value : '';
  }

  /** The argv MediaMTX would exec for this hook with these variables. */
  hookArgv(hook: HookName, vars: HookVariables): string[] {
    const command = this.hookCommand(hook);
    if (command === '') throw new Error(`pathDefaults.${hook} is empty in ${this.config.file}: MediaMTX runs nothing`);
    return hookArgv(command, vars, this.env);
  }

  /**
   * Runs a pathDefaults hook as MediaMTX does: split, expand (hook variables, then MediaMTX's
   * environment), exec without a shell with MediaMTX's environment plus the variables.
   * Resolves when the process exits, whatever its exit code (MediaMTX only logs it).
   */
  async runHook(hook: HookName, vars: HookVariables): Promise<HookRun> {
    const command = this.hookCommand(hook);
    const argv = this.hookArgv(hook, vars);
    const env = hookChildEnv(this.env, vars);
    const plan = this.chaos?.plan(hook);
    const run = (async (): Promise<HookRun> => {
      if (plan) await new Promise((resolve) => setTimeout(resolve, plan.delayMs));
      const done = plan?.dropped
        ? { hook, command, argv, exitCode: null, signal: 'SIGINT' as const, stdout: '', stderr: '', dropped: true }
        : await this.exec(hook, command, argv, env);
      this.hookRuns.push(done);
      return done;
    })();
    this.inFlight.add(run);
    void run.then(
      () => this.inFlight.delete(run),
      () => this.inFlight.delete(run),
    );
    // Under chaos the caller does not wait: MediaMTX starts a hook and goes on (see idle()).
    return plan ? { hook, command, argv, exitCode: null, signal: null, stdout: '', stderr: '' } : run;
  }

  private exec(hook: HookName, command: string, argv: string[], env: NodeJS.ProcessEnv): Promise<HookRun> {
    return new Promise<HookRun>((resolve, reject) => {
      const child = execFile(argv[0], argv.slice(1), { env, shell: false, timeout: this.hookTimeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
        const spawnFailed = error !== null && typeof (error as NodeJS.ErrnoException).code === 'string';
        if (spawnFailed) {
          reject(new Error(`${hook}: cannot run ${JSON.stringify(argv[0])}: ${error.message}`));
          return;
        }
        resolve({ hook, command, argv, exitCode: child.exitCode, signal: child.signalCode, stdout, stderr });
      });
    });
  }

  /**
   * A stream stops (`core/path.go` setNotAvailable): MediaMTX closes its readers, which end on
   * their own goroutines, and starts runOnUnavailable at once; each reader's runOnUnread starts
   * when that reader has closed. So `notReady` comes first and the `unread`s after (one after
   * the other here, unless under chaos, where they land in any order).
   */
  async streamGone(path: string, readers: Array<{ type?: string; id: string; query?: string }>, options: { query?: string; source?: { type: string; id: string } | null } = {}): Promise<HookRun[]> {
    const runs = [await this.notReady(path, options)];
    for (const reader of readers) runs.push(await this.unread(path, reader));
    return runs;
  }

  /** runOnAvailable (→ POST /hooks/ready) for a static-source camera path. */
  ready(path: string, options: { query?: string; source?: { type: string; id: string } | null } = {}): Promise<HookRun> {
    return this.runHook('runOnAvailable', availableHookVariables({ path, ...options }));
  }

  /** runOnUnavailable (→ POST /hooks/notReady). */
  notReady(path: string, options: { query?: string; source?: { type: string; id: string } | null } = {}): Promise<HookRun> {
    return this.runHook('runOnUnavailable', availableHookVariables({ path, ...options }));
  }

  /** runOnRead (→ POST /hooks/read). */
  read(path: string, reader: { type?: string; id: string; query?: string }): Promise<HookRun> {
    return this.runHook('runOnRead', readHookVariables({ path, query: reader.query, readerType: reader.type, readerId: reader.id }));
  }

  /** runOnUnread (→ POST /hooks/unread). */
  unread(path: string, reader: { type?: string; id: string; query?: string }): Promise<HookRun> {
    return this.runHook('runOnUnread', readHookVariables({ path, query: reader.query, readerType: reader.type, readerId: reader.id }));
  }

  /** Where MediaMTX sends auth requests: authHTTPAddress after MTX_AUTHHTTPADDRESS. */
  get authHTTPAddress(): string {
    return this.config.authHTTPAddress;
  }

  /**
   * POSTs an auth callback body (missing fields take MediaMTX's empty values, in MediaMTX's key
   * order) to authHTTPAddress, as MediaMTX does; returns the relay's status code.
   */
  async authRequest(body: Partial<AuthRequestBody> & Pick<AuthRequestBody, 'action'>): Promise<number> {
    return (await this.post(completeAuthBody(body))).status;
  }

  /**
   * A client request judged the way MediaMTX judges it: builds the body from the credentials
   * (Bearer token, else password as token, else ?token= for RTSP/RTMP), skips authHTTPExclude,
   * POSTs it, and tells what MediaMTX would do with the answer.
   */
  async authenticate(req: AuthRequest): Promise<AuthOutcome> {
    if (this.config.authMethod !== 'http') throw new Error(`${this.config.file}: authMethod is ${this.config.authMethod}, not http`);
    const body = authRequestBody(req);
    if (matchesPermission(this.config.authHTTPExclude, body)) throw new Error(`${body.action} is in authHTTPExclude: MediaMTX would not ask the relay`);
    const send = () => this.post(body);
    const { status } = this.pathManager && PATH_MANAGER_ACTIONS.has(body.action) ? await this.pathManager.run(send) : await send();
    const allowed = status >= 200 && status <= 299;
    const result = allowed ? 'allowed' : asksForCredentials(req) ? 'askCredentials' : 'denied';
    return { body, status, result, ...(result === 'askCredentials' && HTTP_PROTOCOLS.has(body.protocol) ? { challenge: 'Basic realm="mediamtx"' } : {}) };
  }

  /**
   * An RTSP client reading a path (servers/rtsp/conn.go onDescribe, session.go onSetup):
   * DESCRIBE without credentials (id: the connection), and when MediaMTX asks for them,
   * DESCRIBE again with them (same id), then SETUP (id: the session). Stops at a refusal.
   */
  async rtspRead(path: string, credentials: { user?: string; pass?: string }, options: { ip?: string; query?: string } = {}): Promise<AuthOutcome[]> {
    const connection = randomUUID();
    const base = { action: 'read' as const, path, protocol: 'rtsp' as const, ip: options.ip, query: options.query };
    const outcomes = [await this.authenticate({ ...base, id: connection })];
    if (outcomes[0].result !== 'askCredentials') return outcomes;
    outcomes.push(await this.authenticate({ ...base, id: connection, credentials }));
    if (outcomes[1].result !== 'allowed') return outcomes;
    outcomes.push(await this.authenticate({ ...base, id: randomUUID(), credentials }));
    return outcomes;
  }

  /**
   * Requests that carry `id: null` and start nothing: the HLS index page
   * (servers/hls/http_server.go, FindPathConf without ID), the WebRTC read page and a WHEP
   * OPTIONS without Access-Control-Request-Method (servers/webrtc/http_server.go
   * checkAuthOutsideSession).
   */
  pageLoad(kind: 'hlsIndex' | 'webrtcPage' | 'whepOptions', path: string, request: { query?: string; credentials?: AuthRequest['credentials']; ip?: string } = {}): Promise<AuthOutcome> {
    return this.authenticate({ action: 'read', path, protocol: kind === 'hlsIndex' ? 'hls' : 'webrtc', id: null, ...request });
  }

  private async post(body: AuthRequestBody): Promise<{ status: number; text: string }> {
    const answer = await fetch(this.authHTTPAddress, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: answer.status, text: await answer.text() };
  }
}
