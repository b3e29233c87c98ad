/**
 * The contract checker itself (test/support/contract.ts) rejects what the spec does not allow;
 * otherwise the validation of the other tests would prove nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { contract } from '../support/contract.js';

const base = 'http://127.0.0.1:1';
const json = (extra: Record<string, string> = {}) => new Headers({ 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'req-12345678', ...extra });
const problem = new Headers({ 'content-type': 'application/problem+json; charset=utf-8', 'x-request-id': 'req-12345678' });
const user = { id: '5b0f3d5e-8c1a-4f7e-9d2b-1c3a4e5f6a7b', username: 'alice', displayName: 'Alice', createdAt: '2026-11-26T09:30:00.000Z' };
const notFound = { type: 'https://parley.chat/problems/not-found', title: 'Not found', status: 404, code: 'not-found' };

describe('the contract checker', () => {
  afterEach(() => {
    contract().takeViolations(); // these tests provoke violations on purpose
  });

  const http = (method: string, path: string, status: number, headers: Headers, body: unknown) => {
    contract().checkHttp({ method, url: base + path, status, headers, text: body === undefined ? '' : JSON.stringify(body) });
    return contract().takeViolations();
  };

  it('accepts a conforming response', () => {
    expect(http('GET', '/api/v1/auth/me', 200, json(), user)).toEqual([]);
    expect(http('GET', `/api/v1/users/${user.id}`, 404, problem, notFound)).toEqual([]);
  });

  it('rejects an undocumented status, a wrong body, an extra field, a wrong media type and a missing header', () => {
    expect(http('GET', '/api/v1/auth/me', 418, json(), user)[0]).toMatch(/status 418 is not documented for currentUser/);
    expect(http('GET', '/api/v1/auth/me', 200, json(), { ...user, id: 'nope' })[0]).toMatch(/\/id must match format "uuid"/);
    expect(http('GET', '/api/v1/auth/me', 200, json(), { ...user, passwordHash: 'x' })[0]).toMatch(/must NOT have additional properties \(passwordHash\)/);
    expect(http('GET', `/api/v1/users/${user.id}`, 404, json(), notFound)[0]).toMatch(/content-type application\/json is not documented/);
    expect(http('GET', '/api/v1/auth/me', 200, new Headers({ 'content-type': 'application/json' }), user)[0]).toMatch(/X-Request-Id/);
    const sent = { id: '5b0f3d5e-8c1a-4f7e-9d2b-1c3a4e5f6a7b' };
    expect(http('POST', `/api/v1/rooms/${sent.id}/messages`, 429, problem, { ...notFound, status: 429, code: 'rate-limited' }).join()).toMatch(/RateLimit-Limit documented but missing/);
  });

  it('rejects an undocumented path under /api but accepts the not-found problem for it', () => {
    expect(http('GET', '/api/v1/nothing', 404, problem, notFound)).toEqual([]);
    expect(http('GET', '/api/v1/nothing', 200, json(), {})[0]).toMatch(/no operation/);
  });

  it('rejects a server frame outside the spec and an ack for a frame the spec does not allow', () => {
    const conn = {};
    contract().checkFrame('receive', JSON.stringify({ type: 'pong' }), conn);
    expect(contract().takeViolations()).toEqual([]);
    contract().checkFrame('receive', JSON.stringify({ type: 'surprise' }), conn);
    expect(contract().takeViolations()[0]).toMatch(/no server message of type "surprise"/);
    contract().checkFrame('receive', JSON.stringify({ type: 'presence', userId: user.id, status: 'away' }), conn);
    expect(contract().takeViolations()[0]).toMatch(/\/status/);
    contract().checkFrame('send', { type: 'message.send', id: 'bad1', roomId: user.id, clientKey: 'short', body: 'x' }, conn);
    expect(contract().takeViolations()).toEqual([]); // a deliberate negative test…
    contract().checkFrame('receive', JSON.stringify({ type: 'ack', id: 'bad1' }), conn);
    expect(contract().takeViolations()[0]).toMatch(/acknowledged frame bad1/); // …must not be acknowledged
  });
});
