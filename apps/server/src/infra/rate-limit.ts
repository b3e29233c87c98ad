import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/**
 * Fixed-window counters keyed by scope and subject (user id or client IP).
 * Redis-backed when configured (shared by replicas), in-memory otherwise.
 * If Redis fails the limiter fails OPEN (the request proceeds, a warning is logged):
 * availability of chat beats strict throttling during a Redis outage (docs/operations/resilience.md).
 */
export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<RateDecision>;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private sweeps = 0;

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    const now = Date.now();
    if (++this.sweeps % 1000 === 0) {
      for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    }
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count++;
    return { allowed: window.count <= limit, limit, remaining: Math.max(0, limit - window.count), resetMs: window.resetAt - now };
  }
}

const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
`;

type HitCommand = (key: string, windowMs: number) => Promise<[number, number]>;

export class RedisRateLimiter implements RateLimiter {
  private lastWarn = 0;
  private readonly hitScript: HitCommand;
  constructor(private readonly redis: Redis, private readonly log: Logger, private readonly prefix: string) {
    // defineCommand sends EVALSHA (the script body only once per connection).
    redis.defineCommand('parleyRateHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.hitScript = (redis as unknown as { parleyRateHit: HitCommand }).parleyRateHit.bind(redis);
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    try {
      const [count, ttl] = await this.hitScript(`${this.prefix}rl:${key}`, windowMs);
      return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetMs: ttl > 0 ? ttl : windowMs };
    } catch (err) {
      if (Date.now() - this.lastWarn > 10_000) {
        this.lastWarn = Date.now();
        this.log.warn({ err: (err as Error).message }, 'rate limiter unavailable: failing open');
      }
      return { allowed: true, limit, remaining: limit, resetMs: windowMs };
    }
  }
}
