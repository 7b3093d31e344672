interface Bucket {
  tokens: number;
  updatedAt: number;
}

const MAX_BUCKETS = 100_000;

/**
 * Token buckets by key: `take` spends one token, refilled at `perSecond` up to `burst`.
 * A full bucket is the same as no bucket, so idle keys are forgotten.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limits: { perSecond: number; burst: number }) {}

  /** 0 when allowed; otherwise how many milliseconds until a token is free. */
  take(key: string, now = Date.now()): number {
    const bucket = this.buckets.get(key) ?? { tokens: this.limits.burst, updatedAt: now };
    bucket.tokens = Math.min(this.limits.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.limits.perSecond);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.remember(key, bucket);
      return 0;
    }
    this.remember(key, bucket);
    return Math.ceil(((1 - bucket.tokens) / this.limits.perSecond) * 1000);
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  private remember(key: string, bucket: Bucket): void {
    if (!this.buckets.has(key) && this.buckets.size >= MAX_BUCKETS) this.prune(bucket.updatedAt);
    this.buckets.set(key, bucket);
  }

  private prune(now: number): void {
    for (const [key, bucket] of this.buckets) {
      const refilled = bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.limits.perSecond;
      if (refilled >= this.limits.burst) this.buckets.delete(key);
    }
    // Everything is busy: drop the oldest rather than grow without bound.
    if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}
