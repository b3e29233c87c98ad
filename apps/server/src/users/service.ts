import type { User } from '@parley/protocol';
import type { Infra } from '../context.js';
import { cached } from '../infra/cache.js';
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

  async profiles(ids: string[]): Promise<Map<string, User>> {
    const unique = [...new Set(ids)];
    const result = new Map<string, User>();
    await Promise.all(unique.map(async (id) => result.set(id, await this.profile(id))));
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
