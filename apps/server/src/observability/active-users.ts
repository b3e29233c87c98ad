import { metrics } from './metrics.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/**
 * Distinct users seen by this process in the last hour / day. One map entry per user (last
 * seen time), pruned on each scrape: O(users) memory, no per-request allocation beyond a set.
 */
export class ActiveUsers {
  private readonly lastSeen = new Map<string, number>();

  seen(userId: string): void {
    this.lastSeen.set(userId, Date.now());
  }

  collect(): void {
    const now = Date.now();
    let hour = 0;
    let day = 0;
    for (const [id, at] of this.lastSeen) {
      if (now - at > DAY) this.lastSeen.delete(id);
      else {
        day++;
        if (now - at <= HOUR) hour++;
      }
    }
    metrics.activeUsers.set({ window: '1h' }, hour);
    metrics.activeUsers.set({ window: '24h' }, day);
  }
}
