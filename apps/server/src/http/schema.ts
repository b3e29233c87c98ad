import { Problem } from '@parley/protocol';
import type { TSchema } from 'typebox';

/** Problem-details responses for the given statuses (every route also may answer 429/500/503). */
export function problems(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const status of [...statuses, 500, 503]) out[status] = Problem;
  return out;
}

export const bearerOrCookie: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { cookieAuth: [] }];
