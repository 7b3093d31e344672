/** The scenarios that deliver camera events to many sockets: fan-out and hook-to-event, on one server or on relays behind nginx. */
import { CLUSTER_INSTANCES, TAIL, windowMetrics, type Scenario } from './scenario-kit.js';

const FANOUT_SUMMARY =
  'one camera event (relay: an admin `cameras update`; baseline: io.to(rooms).emit) to every socket of a user granted the camera; ' +
  'one event at a time, the next once all sockets have it; latency from publish to receipt; op = one delivery';
const CLUSTER_FANOUT_SUMMARY =
  `one camera event (an admin \`cameras update\`) to every socket of a user granted the camera, the sockets split by nginx over ${CLUSTER_INSTANCES} relays ` +
  'on one PostgreSQL, against one relay behind the same nginx; one event at a time; latency from publish to receipt; op = one delivery';

/** `fanout`, or with `cluster` its several-instances form (both sides relays: the job always updates a camera). */
export function fanoutScenario(cluster: boolean): Scenario {
  return {
    name: cluster ? 'cluster-fanout' : 'fanout',
    summary: () => (cluster ? CLUSTER_FANOUT_SUMMARY : FANOUT_SUMMARY),
    baseline: cluster ? 'one-instance' : 'socketio',
    headline: 'rate',
    columns: [
      { key: 'rate', label: 'deliveries/s', digits: 0 },
      { key: 'p50', label: 'p50 ms', digits: 2 },
      { key: 'p99', label: 'p99 ms', digits: 2 },
      { key: 'events', label: 'events', digits: 0 },
      ...TAIL,
      { key: 'missing', label: 'missing', digits: 0 },
    ],
    cases: (settings) =>
      (settings.sizes ?? (cluster ? [settings.quick ? 1000 : 5000] : settings.quick ? [200, 1000] : [1000, 5000])).map((size) => ({ label: `${size} sockets`, size })),
    job: (seeded, side, spec, url, settings) => ({
      mode: 'fanout',
      side: cluster ? 'relay' : side,
      url,
      token: seeded.viewerToken,
      adminToken: seeded.adminToken,
      sockets: spec.size,
      cameraId: seeded.cameraId,
      mtxPath: seeded.mtxPath,
      warmupEvents: 3,
      durationMs: settings.durationMs,
      minEvents: settings.quick ? 3 : 10,
    }),
    metrics: (outcome) => {
      const { delivered, missing, events, elapsedMs, p50, p99, publishErrorCount } = outcome.result;
      return { rate: delivered / (elapsedMs / 1000), p50, p99, events, ...windowMetrics(outcome, delivered), missing: missing + publishErrorCount };
    },
  };
}

/** `hook-to-event`, or with `cluster` its several-instances form: hooks through nginx reach either relay, as MediaMTX's would behind the proxy. */
export function hookToEventScenario(cluster: boolean): Scenario {
  return {
    name: cluster ? 'cluster-hook-to-event' : 'hook-to-event',
    summary: (settings) =>
      `MediaMTX hooks POST /api/mediamtx/hooks/ready and notReady in turn at a steady ${settings.hookRate}/s while sockets of a user granted the camera watch it; ` +
      (cluster
        ? `hooks and sockets through nginx, split over ${CLUSTER_INSTANCES} relays (a hook reaching the one without the background work is passed on), against one relay behind the same nginx; `
        : '') +
      'latency from POST to receipt at each socket; op = one hook',
    baseline: cluster ? 'one-instance' : 'socketio',
    headline: 'p99',
    columns: [
      { key: 'hookRate', label: 'hooks/s', digits: 1 },
      { key: 'deliveryRate', label: 'deliveries/s', digits: 0 },
      { key: 'p50', label: 'p50 ms', digits: 2 },
      { key: 'p99', label: 'p99 ms', digits: 2 },
      { key: 'postP99', label: 'POST p99 ms', digits: 2 },
      ...TAIL,
      { key: 'missing', label: 'missing', digits: 0 },
    ],
    cases: (settings) => (settings.sizes ?? [settings.quick ? 200 : 1000]).map((size) => ({ label: `${size} sockets`, size })),
    job: (seeded, _side, spec, url, settings, hookSecret) => ({
      mode: 'hook',
      url,
      token: seeded.viewerToken,
      sockets: spec.size,
      hookSecret,
      mtxPath: seeded.mtxPath,
      rate: settings.hookRate,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
    }),
    metrics: (outcome) => {
      const { hooks, delivered, missing, sendingMs, elapsedMs, p50, p99, postP99, statuses } = outcome.result;
      const refused = Object.entries(statuses as Record<string, number>).reduce((sum, [status, count]) => (status === '204' ? sum : sum + count), 0);
      return {
        hookRate: hooks / (sendingMs / 1000),
        deliveryRate: delivered / (elapsedMs / 1000),
        p50,
        p99,
        postP99,
        ...windowMetrics(outcome, hooks),
        missing: missing + refused,
      };
    },
  };
}
