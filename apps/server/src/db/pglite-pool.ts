import type { PGlite } from '@electric-sql/pglite';

/**
 * Presents one PGlite instance as the pg-style pool Kysely's PostgresDialect expects.
 * PGlite is a single session, so "connections" are handed out one at a time: a transaction
 * holds the session until it releases it, and other queries wait their turn.
 */
export class PGlitePool {
  private tail: Promise<void> = Promise.resolve();
  waiting = 0;
  busy = false;

  constructor(readonly pg: PGlite) {}

  async connect() {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    this.waiting++;
    await previous;
    this.waiting--;
    this.busy = true;
    const pg = this.pg;
    let released = false;
    return {
      async query(sqlText: string, parameters: unknown[]) {
        const result = await pg.query<Record<string, unknown>>(sqlText, parameters as unknown[]);
        const command = /^\s*(\w+)/.exec(sqlText)?.[1]?.toUpperCase();
        return { command, rowCount: result.affectedRows ?? result.rows.length, rows: result.rows };
      },
      release: () => {
        if (released) return;
        released = true;
        this.busy = false;
        release();
      },
    };
  }

  async end(): Promise<void> {
    await this.tail;
    if (!this.pg.closed) await this.pg.close();
  }
}
