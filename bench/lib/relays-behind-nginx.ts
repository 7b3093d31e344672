import { startNginxProxy, type NginxProxy } from './nginx-proxy.js';
import { pinTree, processTree } from './proc.js';
import { startServer, type BenchEnvironment, type RunningServer } from './servers.js';

/**
 * `count` relays on the run's database behind Debian's nginx (round-robin, WebSocket upgrades
 * passed through: the tests' proxy), all on `core`, seen by the runner as one server at nginx's
 * URL whose CPU and memory are the relays' and nginx's together.
 */
export async function startRelaysBehindNginx(count: number, bench: BenchEnvironment, core: number | undefined): Promise<RunningServer> {
  const relays: RunningServer[] = [];
  let proxy: NginxProxy | undefined;
  const stop = async () => {
    await proxy?.stop();
    await Promise.all(relays.map((relay) => relay.stop()));
  };
  try {
    // One after another: the first takes the background work, as in a deployment started in order.
    for (let index = 0; index < count; index += 1) relays.push(await startServer('relay', bench, core, undefined, { INSTANCE_NAME: `relay-${index + 1}`, TRUST_PROXY: '127.0.0.1' }));
    proxy = await startNginxProxy(relays.map((relay) => relay.url));
  } catch (error) {
    await stop();
    throw error;
  }
  const nginx = processTree(proxy.pid);
  if (core !== undefined) pinTree(proxy.pid, core);
  const [first] = relays;
  return { kind: 'relay', url: proxy.url, pid: first.pid, pids: [...relays.map((relay) => relay.pid), ...nginx], child: first.child, tail: first.tail, stop };
}
