import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.js';

/** Migrations in order. Names are permanent: never rename or reorder one that has shipped. */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
};
