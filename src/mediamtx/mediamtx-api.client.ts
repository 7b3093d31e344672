import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

/** The part of a MediaMTX path configuration the relay writes. */
export interface PathConfig {
  source: string;
  sourceOnDemand: boolean;
  rtspTransport: 'automatic' | 'udp' | 'tcp';
}

/** Runtime state of a path, from `/v3/paths/get/{name}`. */
export interface PathRuntime {
  name: string;
  available: boolean;
  availableTime?: string | null;
  /** Deprecated in v1.20: `available`/`availableTime`. */
  readyTime?: string | null;
  online: boolean;
  inboundBytes: number;
  source?: { type: string; id: string } | null;
  readers: Array<{ type: string; id: string }>;
  tracks2?: Array<{ codec: string }>;
  /** Deprecated in v1.20: codec names. */
  tracks?: string[];
}

/** MediaMTX could not be reached, or answered with a server error. */
export class MediaMtxUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaMtxUnreachable';
  }
}

/** MediaMTX answered, refusing the request (e.g. 400 `path already exists`, 404 `path not found`). */
export class MediaMtxRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'MediaMtxRefused';
  }
}

const TIMEOUT_MS = 5000;

/**
 * Kick endpoints by the reader type MediaMTX reports in hooks and path lists (MTX_READER_TYPE,
 * `readers[].type`), which names the encrypted variants (`defs/api_path.go`).
 */
const KICK_BY_READER_TYPE: Record<string, string> = {
  rtspSession: 'rtspsessions',
  rtspsSession: 'rtspssessions',
  rtmpConn: 'rtmpconns',
  rtmpsConn: 'rtmpsconns',
  hlsSession: 'hlssessions',
  webRTCSession: 'webrtcsessions',
  srtConn: 'srtconns',
  moqSession: 'moqsessions',
};

/**
 * Kick endpoints by the auth callback's `protocol`, which says `rtsp` and `rtmp` for RTSPS and
 * RTMPS too (`auth/request.go`): each is tried in turn until one knows the session.
 */
const KICK_BY_PROTOCOL: Record<string, string[]> = {
  rtsp: ['rtspsessions', 'rtspssessions'],
  rtmp: ['rtmpconns', 'rtmpsconns'],
  hls: ['hlssessions'],
  webrtc: ['webrtcsessions'],
  srt: ['srtconns'],
  moq: ['moqsessions'],
};

/** A session to end: its auth callback `protocol` and `id`, and its reader type once a hook told it. */
export interface KickTarget {
  protocol: string;
  id: string;
  readerType?: string;
}

/** MediaMTX's Control API v3, called as the relay's service account. */
@Injectable()
export class MediaMtxApi {
  private readonly authorization: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const { serviceUser, servicePassword } = config.mediamtx;
    this.authorization = `Basic ${Buffer.from(`${serviceUser}:${servicePassword}`).toString('base64')}`;
  }

  /** Names of every configured path (all pages). */
  async configuredPathNames(): Promise<string[]> {
    const names: string[] = [];
    for (let page = 0; ; page += 1) {
      const body = (await this.call('GET', `/v3/config/paths/list?itemsPerPage=1000&page=${page}`)) as { pageCount: number; items: Array<{ name: string }> };
      names.push(...body.items.map((item) => item.name));
      if (page + 1 >= body.pageCount) return names;
    }
  }

  async addPath(name: string, config: PathConfig): Promise<void> {
    await this.call('POST', `/v3/config/paths/add/${encodePath(name)}`, config);
  }

  async replacePath(name: string, config: PathConfig): Promise<void> {
    await this.call('POST', `/v3/config/paths/replace/${encodePath(name)}`, config);
  }

  async deletePath(name: string): Promise<void> {
    await this.call('DELETE', `/v3/config/paths/delete/${encodePath(name)}`);
  }

  /** Runtime state of a path, or null when MediaMTX has no such path right now. */
  async pathRuntime(name: string): Promise<PathRuntime | null> {
    try {
      return (await this.call('GET', `/v3/paths/get/${encodePath(name)}`)) as PathRuntime;
    } catch (error) {
      if (error instanceof MediaMtxRefused && error.status === 404) return null;
      throw error;
    }
  }

  /** `/v3/info`: the version, and when the MediaMTX process started (it changes with a restart, not with a reload). */
  /** `/v3/info`; null from a MediaMTX without it (404), which cannot tell its restarts apart. */
  async info(): Promise<{ version: string; started: string } | null> {
    try {
      return (await this.call('GET', '/v3/info')) as { version: string; started: string };
    } catch (error) {
      if (error instanceof MediaMtxRefused && error.status === 404) return null;
      throw error;
    }
  }

  /** Runtime state of every path (all pages). */
  async paths(): Promise<PathRuntime[]> {
    const paths: PathRuntime[] = [];
    for (let page = 0; ; page += 1) {
      const body = (await this.call('GET', `/v3/paths/list?itemsPerPage=1000&page=${page}`)) as { pageCount: number; items: PathRuntime[] };
      paths.push(...body.items);
      if (page + 1 >= body.pageCount) return paths;
    }
  }

  /** Whether MediaMTX has a path configuration of this name (applied: a write may not show yet). */
  async hasPathConfig(name: string): Promise<boolean> {
    try {
      await this.call('GET', `/v3/config/paths/get/${encodePath(name)}`);
      return true;
    } catch (error) {
      if (error instanceof MediaMtxRefused && error.status === 404) return false;
      throw error;
    }
  }

  /**
   * Ends a reader's session: at the endpoint of its reader type when known, else at each
   * endpoint its protocol may use (a 404 there: not this one, or that server is off). False
   * when none had it.
   */
  async kick(target: KickTarget): Promise<boolean> {
    const exact = target.readerType ? KICK_BY_READER_TYPE[target.readerType] : undefined;
    const kinds = [...new Set([...(exact ? [exact] : []), ...(KICK_BY_PROTOCOL[target.protocol] ?? [])])];
    for (const kind of kinds) {
      try {
        await this.call('POST', `/v3/${kind}/kick/${encodeURIComponent(target.id)}`);
        return true;
      } catch (error) {
        if (!(error instanceof MediaMtxRefused && error.status === 404)) throw error;
      }
    }
    return false;
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.config.mediamtx.apiUrl}${path}`, {
        method,
        headers: { authorization: this.authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new MediaMtxUnreachable(`MediaMTX is unreachable: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (response.status >= 500) throw new MediaMtxUnreachable(`MediaMTX answered ${response.status}`);
    if (!response.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new MediaMtxRefused(response.status, `MediaMTX refused ${method} ${path.split('?')[0]}: ${response.status} ${message}`);
    }
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }
}

/** Path names may contain `/`, which MediaMTX expects unescaped in these routes. */
const encodePath = (name: string): string => name.split('/').map(encodeURIComponent).join('/');
