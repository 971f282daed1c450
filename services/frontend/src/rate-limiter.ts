/**
 * A token bucket per client: `burst` requests at once, then `perSecond` on average. It remembers at
 * most `maxClients` clients, forgetting the idle ones first, so that a flood of new addresses
 * cannot grow it without bound.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAtMs: number }>();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly maxClients = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request's token for `client`: 0 if it may go on, else the seconds until it may. */
  take(client: string): number {
    const nowMs = this.now();
    const bucket = this.buckets.get(client) ?? this.addClient(client, nowMs);
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((nowMs - bucket.updatedAtMs) / 1000) * this.perSecond);
    bucket.updatedAtMs = nowMs;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.perSecond);
  }

  get clientCount(): number {
    return this.buckets.size;
  }

  private addClient(client: string, nowMs: number) {
    if (this.buckets.size >= this.maxClients) this.forgetOldest();
    const bucket = { tokens: this.burst, updatedAtMs: nowMs };
    this.buckets.set(client, bucket);
    return bucket;
  }

  /** Maps iterate in insertion order: the first entries are the clients seen longest ago. */
  private forgetOldest(): void {
    const excess = this.buckets.size - this.maxClients + 1;
    let removed = 0;
    for (const client of this.buckets.keys()) {
      if (removed++ >= Math.max(excess, Math.ceil(this.maxClients / 10))) break;
      this.buckets.delete(client);
    }
  }
}
