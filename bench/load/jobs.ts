/** What the runner asks of the load generator (load/main.ts), as JSON on its command line. */
export interface SocketTarget {
  url: string;
  token: string;
}

export type Job =
  | (SocketTarget & { mode: 'rpc'; connections: number; inFlight: number; request: { module: string; command: string; entity?: string | number }; warmupMs: number; durationMs: number })
  | (SocketTarget & { mode: 'rest'; path: string; connections: number; warmupMs: number; durationMs: number })
  | (SocketTarget & {
      mode: 'fanout';
      side: 'relay' | 'baseline';
      adminToken: string;
      sockets: number;
      cameraId: number;
      mtxPath: string;
      warmupEvents: number;
      durationMs: number;
      minEvents: number;
    })
  | (SocketTarget & { mode: 'hook'; sockets: number; hookSecret: string; mtxPath: string; rate: number; warmupMs: number; durationMs: number })
  | (SocketTarget & { mode: 'idle'; sockets: number; settleMs: number; idleMs: number })
  | {
      mode: 'auth';
      /** authHTTPAddress: the callback URL with the hook secret in its query. */
      url: string;
      readers: number;
      /** MediaMTX instances, each a serial loop with one callback in flight. */
      instances: number;
      /** Callbacks a second each MediaMTX sends (still one at a time); 0: the next as soon as the last is answered. */
      rate: number;
      mtxPath: string;
      password: { user: string; pass: string };
      streamToken: string;
      warmupMs: number;
      durationMs: number;
    };
