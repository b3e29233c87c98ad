import { randomUUID } from 'node:crypto';
import type { AuthResult, User } from '@parley/protocol';
import type { Infra } from '../context.js';
import { AppError } from '../http/problem.js';
import { metrics } from '../observability/metrics.js';
import type { EventPublisher } from '../realtime/events.js';
import { presentUser } from '../users/presenter.js';
import type { UsersService } from '../users/service.js';
import { hashPassword, timingDummyHash, verifyPassword } from './passwords.js';
import { SessionsRepository } from './repository.js';
import { randomToken, tokenHash, type AccessClaims, type TokenSigner } from './tokens.js';

const SESSION_CACHE_TTL_MS = 60_000;
const TICKET_TTL_S = 30;

export interface Authenticated extends AccessClaims {
  via: 'cookie' | 'bearer' | 'ticket';
}


export class AuthService {
  private readonly sessions: SessionsRepository;

  constructor(
    private readonly infra: Infra,
    private readonly users: UsersService,
    private readonly signer: TokenSigner,
    private readonly events: EventPublisher,
  ) {
    this.sessions = new SessionsRepository(infra.database.db);
  }

  async register(input: { username: string; password: string; displayName?: string }, userAgent: string | null): Promise<AuthResult> {
    const existing = await this.users.repo.byUsername(input.username);
    if (existing) throw new AppError('username-taken', `The username "${input.username}" is taken`);
    const passwordHash = await hashPassword(input.password);
    let row;
    try {
      row = await this.users.repo.insert({ id: randomUUID(), username: input.username, displayName: input.displayName?.trim() || input.username, passwordHash });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new AppError('username-taken', `The username "${input.username}" is taken`);
      throw err;
    }
    metrics.registrations.inc();
    return this.startSession(presentUser(row), userAgent);
  }

  async login(input: { username: string; password: string }, userAgent: string | null): Promise<AuthResult> {
    const row = await this.users.repo.byUsername(input.username);
    const ok = row ? await verifyPassword(row.password_hash, input.password) : (await verifyPassword(await timingDummyHash(), input.password), false);
    if (!row || !ok) {
      metrics.logins.inc({ result: 'failure' });
      throw new AppError('invalid-credentials');
    }
    metrics.logins.inc({ result: 'success' });
    return this.startSession(presentUser(row), userAgent);
  }

  private async startSession(user: User, userAgent: string | null): Promise<AuthResult> {
    const sessionId = randomUUID();
    const refreshToken = randomToken();
    const expiresAt = new Date(Date.now() + this.infra.config.refreshTokenTtlS * 1000);
    await this.sessions.create({ id: sessionId, userId: user.id, expiresAt, userAgent: userAgent?.slice(0, 256) ?? null }, tokenHash(refreshToken));
    const accessToken = await this.signer.sign({ userId: user.id, sessionId });
    return { user, accessToken, refreshToken, expiresIn: this.infra.config.accessTokenTtlS };
  }

  /**
   * Rotates a refresh token. Presenting a token that was already rotated means it leaked (or
   * was replayed): the whole session (token family) is revoked and the caller must log in again.
   */
  async refresh(refreshToken: string): Promise<AuthResult> {
    const hash = tokenHash(refreshToken);
    const row = await this.sessions.refreshToken(hash);
    if (!row || row.revoked_at || new Date(row.expires_at) <= new Date()) throw new AppError('invalid-token', 'The refresh token is invalid or expired');
    const next = randomToken();
    const rotated = row.used_at ? false : await this.sessions.rotate(hash, tokenHash(next), row.session_id, new Date(row.expires_at));
    if (!rotated) {
      this.infra.log.warn({ sessionId: row.session_id, userId: row.user_id }, 'refresh token reuse: session revoked');
      await this.revokeSession(row.user_id, row.session_id);
      throw new AppError('invalid-token', 'The refresh token was already used; the session has been revoked');
    }
    const user = await this.users.profile(row.user_id);
    const accessToken = await this.signer.sign({ userId: row.user_id, sessionId: row.session_id });
    return { user, accessToken, refreshToken: next, expiresIn: this.infra.config.accessTokenTtlS };
  }

  async revokeSession(userId: string, sessionId: string): Promise<void> {
    await this.sessions.revoke(sessionId);
    await this.infra.cache.del(`session:${sessionId}`);
    await this.announceRevoked(userId, sessionId);
  }

  async changePassword(auth: AccessClaims, currentPassword: string, newPassword: string): Promise<void> {
    const row = await this.users.repo.byId(auth.userId);
    if (!row || !(await verifyPassword(row.password_hash, currentPassword))) throw new AppError('invalid-credentials', 'The current password is wrong');
    await this.users.repo.updatePassword(auth.userId, await hashPassword(newPassword));
    // Every other session ends: whoever knew the old password is logged out everywhere.
    const revoked = await this.sessions.revokeAllExcept(auth.userId, auth.sessionId);
    if (revoked.length) await this.infra.cache.del(...revoked.map((id) => `session:${id}`));
    for (const id of revoked) await this.announceRevoked(auth.userId, id);
  }

  /** Every replica closes the WebSocket connections of a revoked session (close code 4003). */
  private announceRevoked(userId: string, sessionId: string): Promise<void> {
    return this.events.toUser(userId, { type: '_revoked', sessionId });
  }

  /** Verifies an access token and that its session is still active (revocation is immediate). */
  async authenticate(token: string, via: Authenticated['via']): Promise<Authenticated> {
    const claims = await this.signer.verify(token);
    await this.assertSessionActive(claims.sessionId);
    return { ...claims, via };
  }

  async assertSessionActive(sessionId: string): Promise<void> {
    const key = `session:${sessionId}`;
    let state = await this.infra.cache.get(key);
    metrics.cacheRequests.inc({ cache: 'session', result: state === null ? 'miss' : 'hit' });
    if (state === null) {
      const session = await this.sessions.byId(sessionId);
      state = session && !session.revoked_at && new Date(session.expires_at) > new Date() ? 'active' : 'revoked';
      await this.infra.cache.set(key, state, SESSION_CACHE_TTL_MS);
    }
    if (state !== 'active') throw new AppError('invalid-token', 'The session has ended; log in again');
  }

  /** A single-use, 30-second ticket for authenticating a WebSocket without putting a token in a URL. */
  async issueTicket(auth: AccessClaims): Promise<{ ticket: string; expiresIn: number }> {
    const ticket = randomToken(24);
    try {
      await this.infra.cache.set(`ticket:${tokenHash(ticket)}`, JSON.stringify(auth), TICKET_TTL_S * 1000, { required: true });
    } catch {
      throw new AppError('unavailable', 'Realtime tickets are unavailable right now (Redis unreachable); retry shortly, or connect with the session cookie', { retryAfter: 2 });
    }
    return { ticket, expiresIn: TICKET_TTL_S };
  }

  async redeemTicket(ticket: string): Promise<Authenticated> {
    let value: string | null;
    try {
      value = await this.infra.cache.take(`ticket:${tokenHash(ticket)}`);
    } catch {
      throw new AppError('unavailable', 'Tickets cannot be checked right now (Redis unreachable); retry shortly', { retryAfter: 2 });
    }
    if (!value) throw new AppError('invalid-token', 'The ticket is invalid, expired or already used');
    const claims = JSON.parse(value) as AccessClaims;
    await this.assertSessionActive(claims.sessionId);
    return { ...claims, via: 'ticket' };
  }
}
