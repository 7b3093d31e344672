import { startTcpProxy } from './tcp-proxy.js';

/** A TCP proxy on 127.0.0.1 in front of a server, whose connections a test can cut and refuse for a while. */
export interface CuttableProxy {
  url: string;
  /** Drops every connection and refuses new ones until `restore`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startCuttableProxy(target: string): Promise<CuttableProxy> {
  const { hostname, port } = new URL(target);
  let refusing = false;
  const proxy = await startTcpProxy(hostname, Number(port), undefined, () => !refusing);
  return {
    url: `http://127.0.0.1:${proxy.port}`,
    cut() {
      refusing = true;
      proxy.dropAll();
    },
    restore() {
      refusing = false;
    },
    close: () => proxy.close(),
  };
}
