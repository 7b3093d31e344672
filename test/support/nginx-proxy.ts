// One implementation for the tests and the cluster benchmarks.
export { startNginxProxy, type NginxProxy } from '../../bench/lib/nginx-proxy.js';
