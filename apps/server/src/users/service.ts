import type { User } from '@parley/protocol';
import type { Infra } from '../context.js';
import { cached } from '../infra/cache.js';
import { metrics } from '../observability/metrics.js';
import { notFound } from '../http/problem.js';
import { UsersRepository } from './repository.js';
import { presentUser } from './presenter.js';

const PROFILE_TTL_MS = 10 * 60_000;

export class UsersService {
  readonly repo: UsersRepository;
  constructor(private readonly infra: Infra) {
    this.repo = new UsersRepository(infra.database.db);
  }

  /** Profile by id, cached (profiles change rarely; invalidated by invalidate()). */
  async profile(id: string): Promise<User> {
    const user = await cached(this.infra.cache, 'user', `user:${id}`, PROFILE_TTL_MS, async () => {
      const row = await this.repo.byId(id);
      return row ? presentUser(row) : null;
    });
    if (!user) throw notFound('No such user');
    return user;
  }

  /**
   * Profiles of many users (a page of messages): one cache round trip (MGET) for all of them, and
   * one query for the misses, instead of a lookup per author.
   */
  async profiles(ids: string[]): Promise<Map<string, User>> {
    const unique = [...new Set(ids)];
    const result = new Map<string, User>();
    const hits = await this.infra.cache.getMany(unique.map((id) => `user:${id}`));
    const missing: string[] = [];
    unique.forEach((id, i) => {
      const hit = hits[i];
      const user = hit ? (JSON.parse(hit) as User | null) : null;
      if (user) result.set(id, user);
      else missing.push(id);
    });
    metrics.cacheRequests.inc({ cache: 'user', result: 'hit' }, unique.length - missing.length);
    if (missing.length) {
      metrics.cacheRequests.inc({ cache: 'user', result: 'miss' }, missing.length);
      const rows = await this.repo.byIds(missing);
      await Promise.all(
        rows.map((row) => {
          const user = presentUser(row);
          result.set(row.id, user);
          return this.infra.cache.set(`user:${row.id}`, JSON.stringify(user), PROFILE_TTL_MS);
        }),
      );
      const unknown = missing.find((id) => !result.has(id));
      if (unknown) throw notFound('No such user');
    }
    return result;
  }

  invalidate(id: string): Promise<void> {
    return this.infra.cache.del(`user:${id}`);
  }

  async search(query: string | undefined, limit = 20): Promise<User[]> {
    const rows = await this.repo.search(query ?? '', limit);
    return rows.map(presentUser);
  }
}
