import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RelayMetrics } from './relay-metrics.js';

/** The pool counts pg keeps (typeorm's postgres driver holds the pool as `master`). */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** The metrics every feature may move: one registry per process, read at /metrics. */
@Global()
@Module({ providers: [RelayMetrics], exports: [RelayMetrics] })
export class MetricsModule implements OnModuleInit {
  constructor(
    private readonly metrics: RelayMetrics,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    const inUse = this.metrics.poolConnections.labels('in_use');
    const idle = this.metrics.poolConnections.labels('idle');
    this.metrics.onScrape(() => {
      const pool = (this.dataSource.driver as unknown as { master?: PoolCounts }).master;
      if (!pool) return;
      inUse.set(pool.totalCount - pool.idleCount);
      idle.set(pool.idleCount);
      this.metrics.poolWaiting.set(pool.waitingCount);
    });
  }
}
