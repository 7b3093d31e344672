import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { RelayMetrics } from './relay-metrics.js';

describe('RelayMetrics scrape', () => {
  it('answers while a hook never finishes (a query on a stalled database), with that hook’s values as they were', async () => {
    const metrics = new RelayMetrics(pino({ level: 'silent' }));
    try {
      metrics.poolWaiting.set(3);
      metrics.onScrape(() => new Promise<void>(() => undefined));
      metrics.onScrape(() => metrics.backgroundWork.set(1));
      const { body } = await metrics.scrape();
      expect(body).toContain('\nmtx_relay_db_pool_waiting 3\n');
      expect(body).toContain('\nmtx_relay_background_work_running 1\n');
    } finally {
      metrics.onApplicationShutdown();
    }
  }, 5000);
});
