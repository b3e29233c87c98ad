import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jwtVerify, SignJWT } from 'jose';
import { AppError } from '../http/problem.js';

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

const ISSUER = 'parley';
const AUDIENCE = 'parley-api';

/** Signs and verifies short-lived access tokens (JWT, HS256 only: `alg: none` and other algorithms are rejected). */
export class TokenSigner {
  private readonly key: Uint8Array;
  constructor(secret: string, private readonly ttlS: number) {
    this.key = new TextEncoder().encode(secret);
  }

  sign(claims: AccessClaims): Promise<string> {
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlS}s`)
      .sign(this.key);
  }

  async verify(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw new Error('claims');
      return { userId: payload.sub, sessionId: payload.sid };
    } catch {
      throw new AppError('invalid-token', 'The access token is invalid or expired');
    }
  }
}

/** Opaque random token (refresh tokens, WebSocket tickets). */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');
/** Refresh tokens are stored only as this hash: a database leak does not leak sessions. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('base64url');

/**
 * The token signing secret: TOKEN_SECRET when set (required in production); otherwise one
 * generated on first start and kept in DATA_DIR/secret.key (mode 0600) so sessions survive restarts.
 */
export function resolveTokenSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}
