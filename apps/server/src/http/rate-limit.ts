import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimiter } from '../infra/rate-limit.js';
import { metrics } from '../observability/metrics.js';
import { AppError } from './problem.js';

export interface LimitRule {
  scope: string;
  limit: number;
  windowMs: number;
  /** Per user when authenticated, else per client IP; or a key taken from the request (e.g. the account a login names). */
  by: 'user' | 'ip' | ((request: FastifyRequest) => string);
}

/** Sets the IETF RateLimit-* headers and rejects with 429 + Retry-After past the limit. */
export function rateLimit(limiter: RateLimiter, rule: LimitRule) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const subject = typeof rule.by === 'function' ? rule.by(request) : rule.by === 'user' && request.auth ? `u:${request.auth.userId}` : `ip:${request.ip}`;
    const decision = await limiter.hit(`${rule.scope}:${subject}`, rule.limit, rule.windowMs);
    const resetS = Math.max(1, Math.ceil(decision.resetMs / 1000));
    reply.header('ratelimit-limit', String(decision.limit));
    reply.header('ratelimit-remaining', String(decision.remaining));
    reply.header('ratelimit-reset', String(resetS));
    reply.header('ratelimit-policy', `${rule.limit};w=${Math.round(rule.windowMs / 1000)}`);
    if (!decision.allowed) {
      metrics.rateLimited.inc({ scope: rule.scope });
      throw new AppError('rate-limited', `Too many ${rule.scope} requests; retry in ${resetS} s`, { retryAfter: resetS });
    }
  };
}
