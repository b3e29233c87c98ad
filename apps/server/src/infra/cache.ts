import type { Redis } from 'ioredis';
import { metrics } from '../observability/metrics.js';

/**
 * Key-value cache for hot reads. Every write path that changes a cached fact deletes its key
 * (explicit invalidation). With Redis the cache is shared by all replicas, so an invalidation
 * on one replica is seen by every other at once; a Redis error reads as a miss (the database
 * answers), never as a stale hit.
 */
export interface Cache {
  get(key: string): Promise<string | null>;
  /** Several keys in one round trip; a Redis error reads as all misses. */
  getMany(keys: string[]): Promise<(string | null)[]>;
  /** Stores a value. A failed write is swallowed (it only costs a later miss) unless `required`. */
  set(key: string, value: string, ttlMs: number, options?: { required?: boolean }): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /** Atomically takes a value (single-use tickets). */
  take(key: string): Promise<string | null>;
}

export class MemoryCache implements Cache {
  private readonly entries = new Map<string, { value: string; expires: number }>();
  constructor(private readonly maxEntries = 100_000) {}

  async get(key: string): Promise<string | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expires <= Date.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    return Promise.all(keys.map((key) => this.get(key)));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (this.entries.size >= this.maxEntries) {
      // Evict the oldest insertion (Map keeps insertion order).
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(key);
    this.entries.set(key, { value, expires: Date.now() + ttlMs });
  }

  async del(...keys: string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }

  async take(key: string): Promise<string | null> {
    const value = await this.get(key);
    this.entries.delete(key);
    return value;
  }
}

export class RedisCache implements Cache {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  async get(key: string): Promise<string | null> {
    try {
      return await this.redis.get(this.prefix + key);
    } catch {
      return null;
    }
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    try {
      return await this.redis.mget(keys.map((k) => this.prefix + k));
    } catch {
      return keys.map(() => null);
    }
  }

  async set(key: string, value: string, ttlMs: number, options?: { required?: boolean }): Promise<void> {
    try {
      await this.redis.set(this.prefix + key, value, 'PX', ttlMs);
    } catch (err) {
      if (options?.required) throw err; // e.g. a ticket that was never stored must not be handed out
    }
  }

  /** Invalidation must not be lost silently: errors propagate to the write path. */
  async del(...keys: string[]): Promise<void> {
    if (keys.length) await this.redis.del(...keys.map((k) => this.prefix + k));
  }

  async take(key: string): Promise<string | null> {
    return this.redis.getdel(this.prefix + key);
  }
}

/** Read-through helper that counts hits and misses per named cache. */
export async function cached<T>(cache: Cache, name: string, key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
  const hit = await cache.get(key);
  if (hit !== null) {
    metrics.cacheRequests.inc({ cache: name, result: 'hit' });
    return JSON.parse(hit) as T;
  }
  metrics.cacheRequests.inc({ cache: name, result: 'miss' });
  const value = await load();
  await cache.set(key, JSON.stringify(value ?? null), ttlMs);
  return value;
}

/**
 * cached() for many keys: one round trip (getMany) for all the lookups, and one call of
 * `loadMissing` for the misses, which returns a value (or null) per missing index, in order.
 * Counted and stored exactly as cached() does, so the two read and write the same entries.
 */
export async function cachedMany<T>(cache: Cache, name: string, keys: string[], ttlMs: number, loadMissing: (missing: number[]) => Promise<(T | null)[]>): Promise<(T | null)[]> {
  const hits = await cache.getMany(keys);
  const values: (T | null)[] = new Array(keys.length).fill(null);
  const missing: number[] = [];
  hits.forEach((hit, i) => {
    if (hit === null) missing.push(i);
    else values[i] = JSON.parse(hit) as T | null;
  });
  if (keys.length > missing.length) metrics.cacheRequests.inc({ cache: name, result: 'hit' }, keys.length - missing.length);
  if (missing.length === 0) return values;
  metrics.cacheRequests.inc({ cache: name, result: 'miss' }, missing.length);
  const loaded = await loadMissing(missing);
  await Promise.all(
    missing.map((index, j) => {
      values[index] = loaded[j] ?? null;
      return cache.set(keys[index]!, JSON.stringify(values[index]), ttlMs);
    }),
  );
  return values;
}
