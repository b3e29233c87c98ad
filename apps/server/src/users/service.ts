import type { User } from '@parley/protocol';
import type { Infra } from '../context.js';
import { cached, cachedMany } from '../infra/cache.js';
import { notFound } from '../http/problem.js';
import { UsersRepository } from './repository.js';
import { presentUser } from './presenter.js';

const PROFILE_TTL_MS = 10 * 60_000;
/** One cache entry per profile, shared by profile(), profiles() and invalidate(). */
const profileKey = (id: string) => `user:${id}`;

export class UsersService {
  readonly repo: UsersRepository;
  constructor(private readonly infra: Infra) {
    this.repo = new UsersRepository(infra.database.db);
  }

  /** Profile by id, cached (profiles change rarely; invalidated by invalidate()). */
  async profile(id: string): Promise<User> {
    const user = await cached(this.infra.cache, 'user', profileKey(id), PROFILE_TTL_MS, async () => {
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
    const users = await cachedMany(this.infra.cache, 'user', unique.map(profileKey), PROFILE_TTL_MS, async (missing) => {
      const rows = await this.repo.byIds(missing.map((i) => unique[i]!));
      const found = new Map(rows.map((row) => [row.id, presentUser(row)]));
      return missing.map((i) => found.get(unique[i]!) ?? null);
    });
    const result = new Map<string, User>();
    unique.forEach((id, i) => {
      const user = users[i];
      if (!user) throw notFound('No such user');
      result.set(id, user);
    });
    return result;
  }

  invalidate(id: string): Promise<void> {
    return this.infra.cache.del(profileKey(id));
  }

  async search(query: string | undefined, limit = 20): Promise<User[]> {
    const rows = await this.repo.search(query ?? '', limit);
    return rows.map(presentUser);
  }
}
