import type { Redis } from 'ioredis';

/**
 * Who is online: a user is online while at least one WebSocket connection of theirs is open
 * on any replica. connected()/disconnected() report transitions so the gateway announces
 * only real changes.
 */
export interface Presence {
  /** A local connection opened; true when the user was offline everywhere before. */
  connected(userId: string): Promise<boolean>;
  /** A local connection closed; true when the user is now offline everywhere. */
  disconnected(userId: string): Promise<boolean>;
  onlineAmong(userIds: string[]): Promise<Set<string>>;
  /** Periodic keep-alive for the users with local connections (Redis entries expire otherwise). */
  refresh(localUserIds: Iterable<string>): Promise<void>;
}

export class MemoryPresence implements Presence {
  private readonly counts = new Map<string, number>();

  async connected(userId: string): Promise<boolean> {
    const n = (this.counts.get(userId) ?? 0) + 1;
    this.counts.set(userId, n);
    return n === 1;
  }

  async disconnected(userId: string): Promise<boolean> {
    const n = (this.counts.get(userId) ?? 1) - 1;
    if (n <= 0) this.counts.delete(userId);
    else this.counts.set(userId, n);
    return n <= 0;
  }

  async onlineAmong(userIds: string[]): Promise<Set<string>> {
    return new Set(userIds.filter((id) => this.counts.has(id)));
  }

  async refresh(): Promise<void> {}
}

/**
 * Redis presence: `<prefix>presence:<user>` is a sorted set of replica ids scored by expiry time.
 * Each replica keeps its entries alive; a replica that dies stops refreshing and its entries
 * expire after PRESENCE_TTL_MS, so a crashed pod does not leave users online forever.
 */
const PRESENCE_TTL_MS = 90_000;

export class RedisPresence implements Presence {
  private readonly local = new MemoryPresence();

  constructor(private readonly redis: Redis, private readonly instanceId: string, private readonly prefix: string) {}

  private key(userId: string): string {
    return `${this.prefix}presence:${userId}`;
  }

  async connected(userId: string): Promise<boolean> {
    const firstLocal = await this.local.connected(userId);
    if (!firstLocal) return false;
    try {
      const now = Date.now();
      const [[, before]] = (await this.redis
        .multi()
        .zcount(this.key(userId), now, '+inf')
        .zadd(this.key(userId), now + PRESENCE_TTL_MS, this.instanceId)
        .pexpire(this.key(userId), PRESENCE_TTL_MS)
        .exec()) as [[null, number], ...unknown[]];
      return before === 0;
    } catch {
      return true;
    }
  }

  async disconnected(userId: string): Promise<boolean> {
    const lastLocal = await this.local.disconnected(userId);
    if (!lastLocal) return false;
    try {
      const now = Date.now();
      const [, [, remaining]] = (await this.redis.multi().zrem(this.key(userId), this.instanceId).zcount(this.key(userId), now, '+inf').exec()) as [unknown, [null, number]];
      return remaining === 0;
    } catch {
      return true;
    }
  }

  async onlineAmong(userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    try {
      const now = Date.now();
      const pipeline = this.redis.pipeline();
      for (const id of userIds) pipeline.zcount(this.key(id), now, '+inf');
      const results = (await pipeline.exec()) ?? [];
      return new Set(userIds.filter((_, i) => Number(results[i]?.[1] ?? 0) > 0));
    } catch {
      return this.local.onlineAmong(userIds);
    }
  }

  async refresh(localUserIds: Iterable<string>): Promise<void> {
    const expiry = Date.now() + PRESENCE_TTL_MS;
    const pipeline = this.redis.pipeline();
    let n = 0;
    for (const id of localUserIds) {
      pipeline.zadd(this.key(id), expiry, this.instanceId).pexpire(this.key(id), PRESENCE_TTL_MS);
      n++;
    }
    if (n) await pipeline.exec().catch(() => undefined);
  }
}
