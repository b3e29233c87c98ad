/**
 * Browser end-to-end tests: Debian's Chromium (driven by playwright-core) against a real Parley
 * server process with the built web app. Run: npx vitest run --project repo tests/e2e
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { skipWithout } from '../support/tools';
import { Api, CHROMIUM, CHROMIUM_ARGS, ensureBuilt, gradientPng, REPO, ServerProcess } from './harness';

const PASSWORD = 'correct horse battery';
const IMAGES = join(REPO, 'docs/images');

describe.skipIf(skipWithout('chromium'))('web app in Chromium against a real server', () => {
  const server = new ServerProcess();
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pages: Page[] = [];
  /** alert() calls seen in any page: an executed XSS payload would land here. */
  const alerts: string[] = [];
  let alice: Page;
  let bob: Page;

  async function newPage(viewport = { width: 1280, height: 800 }): Promise<Page> {
    const ctx = await browser.newContext({ viewport, baseURL: server.url });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('dialog', (d) => {
      if (d.type() === 'alert') alerts.push(d.message());
      void (d.type() === 'confirm' ? d.accept() : d.dismiss());
    });
    page.on('pageerror', (e) => console.error('[page error]', e.message));
    // Content-Security-Policy violations (the server sends script-src 'self'): there must be none.
    await page.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    pages.push(page);
    return page;
  }

  async function registerInUi(page: Page, username: string, displayName: string): Promise<void> {
    await page.goto('/');
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel(/Display name/).fill(displayName);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
  }

  async function signInUi(page: Page, username: string): Promise<void> {
    await page.goto('/');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
  }

  async function joinChannel(page: Page, name: string): Promise<void> {
    await page.getByRole('button', { name: 'Browse channels' }).first().click();
    await page.getByLabel('Search channels').fill(name);
    await page.getByRole('button', { name: `Join ${name}` }).click();
    await page.getByRole('heading', { name, exact: true, level: 2 }).waitFor();
  }

  const composer = (page: Page, room: string) => page.getByRole("textbox", { name: new RegExp(`^Message #?${room}$`) });
  const messageByText = (page: Page, text: string) => page.locator('li.message', { has: page.locator('.body', { hasText: text }) });
  const byId = (page: Page, id: string | null) => page.locator(`li.message[data-message-id="${id}"]`);
  const ready = (page: Page) => page.locator('[data-connection="ready"]').waitFor({ state: 'attached', timeout: 30_000 });

  beforeAll(async () => {
    ensureBuilt();
    mkdirSync(IMAGES, { recursive: true });
    await server.start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 240_000);

  afterEach(async (ctx) => {
    // On failure, keep what each page looked like (outside the repository).
    if (ctx.task.result?.state !== 'fail') return;
    writeFileSync(join(server.dataDir, '..', 'parley-e2e-failure-server.log'), server.logs());
    for (const [name, page] of [['alice', alice], ['bob', bob]] as const) {
      await page?.screenshot({ path: join(server.dataDir, `..`, `parley-e2e-failure-${name}.png`) }).catch(() => undefined);
    }
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server.dispose();
  }, 60_000);

  it('two users chat in real time: send, edit, delete, react, typing; XSS stays text', async () => {
    alice = await newPage();
    await registerInUi(alice, 'alice', 'Alice');
    await alice.getByRole('button', { name: 'Create a channel' }).first().click();
    await alice.getByLabel('Name').fill('general');
    await alice.getByLabel(/Topic/).fill('Company-wide chatter');
    await alice.getByRole('button', { name: 'Create channel' }).click();
    await alice.getByRole('heading', { name: 'general', exact: true, level: 2 }).waitFor();
    await ready(alice);

    bob = await newPage();
    await registerInUi(bob, 'bob', 'Bob');
    await joinChannel(bob, 'general');
    await ready(bob);

    // Send: optimistic on Alice's side, live on Bob's.
    await composer(alice, 'general').fill('Hello Bob, welcome to #general');
    await composer(alice, 'general').press('Enter');
    await messageByText(bob, 'Hello Bob, welcome to #general').waitFor();
    await expect.poll(() => messageByText(alice, 'Hello Bob').count()).toBe(1);
    await expect.poll(() => alice.getByText('Sending…').count()).toBe(0);

    // Typing indicator while Bob types, then his multi-line reply (Shift+Enter).
    await composer(bob, 'general').pressSequentially('Hi Alice');
    await alice.getByText('Bob is typing…').waitFor();
    await composer(bob, 'general').press('Shift+Enter');
    await composer(bob, 'general').pressSequentially('second line');
    await composer(bob, 'general').press('Enter');
    const reply = messageByText(alice, 'Hi Alice');
    await reply.waitFor();
    expect(await reply.locator('.body').textContent()).toBe('Hi Alice\nsecond line');

    // Edit.
    const mine = byId(alice, await messageByText(alice, 'Hello Bob').getAttribute('data-message-id'));
    await mine.hover();
    await mine.getByRole('button', { name: 'Edit message' }).click();
    await mine.getByRole('textbox', { name: 'Edit message' }).fill('Hello Bob, welcome aboard');
    await mine.getByRole('textbox', { name: 'Edit message' }).press('Enter');
    const edited = messageByText(bob, 'Hello Bob, welcome aboard');
    await edited.waitFor();
    await edited.getByText('(edited)').waitFor();

    // React (Bob) → Alice sees it; toggling is per user.
    await edited.hover();
    await edited.getByRole('button', { name: 'Add reaction' }).click();
    await edited.getByRole('button', { name: 'React with 🎉' }).click();
    await messageByText(alice, 'welcome aboard').getByRole('button', { name: /🎉 1 reaction/ }).waitFor();

    // Delete (Alice deletes her own message) → tombstone for Bob.
    await composer(alice, 'general').fill('this one is a mistake');
    await composer(alice, 'general').press('Enter');
    await messageByText(bob, 'this one is a mistake').waitFor();
    const mistake = byId(alice, await messageByText(alice, 'this one is a mistake').getAttribute('data-message-id'));
    await mistake.hover();
    await mistake.getByRole('button', { name: 'Delete message' }).click();
    await expect.poll(() => messageByText(bob, 'this one is a mistake').count()).toBe(0);
    await bob.getByText('This message was deleted.').waitFor();

    // XSS payload and a link: rendered as text / a safe link.
    const payload = '<img src=x onerror=alert(1)>';
    await composer(bob, 'general').fill(`${payload} see https://example.com/docs`);
    await composer(bob, 'general').press('Enter');
    const evil = messageByText(alice, payload);
    await evil.waitFor();
    expect(await evil.locator('.body img').count()).toBe(0);
    expect(await evil.locator('.body').textContent()).toBe(`${payload} see https://example.com/docs`);
    const link = evil.getByRole('link', { name: 'https://example.com/docs' });
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    await alice.waitForTimeout(300);
    expect(alerts).toEqual([]);

    // Nothing appears twice on either side.
    for (const page of [alice, bob]) {
      const ids = await page.locator('li.message[data-message-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-message-id')));
      expect(new Set(ids).size).toBe(ids.length);
    }
  }, 120_000);

  it('uploads: an image round trip with preview, and the size limit is explained', async () => {
    const png = await gradientPng(240, 140);
    await alice.getByLabel(/Attach files/).setInputFiles({ name: 'gradient.png', mimeType: 'image/png', buffer: png });
    await alice.getByText('Ready').waitFor();
    await composer(alice, 'general').fill('a picture');
    await composer(alice, 'general').press('Enter');
    const img = messageByText(bob, 'a picture').getByRole('img', { name: 'gradient.png' });
    await img.waitFor();
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(240);
    const src = await img.getAttribute('src');
    const res = await bob.context().request.get(src!);
    expect(res.status()).toBe(200);
    expect(Buffer.from(await res.body()).equals(png)).toBe(true);

    // Drag and drop a text file onto the conversation: it becomes a download link.
    const notes = 'meeting notes\n- ship it\n';
    const dt = await alice.evaluateHandle((text) => {
      const d = new DataTransfer();
      d.items.add(new File([text], 'notes.txt', { type: 'text/plain' }));
      return d;
    }, notes);
    await alice.locator('section.room').dispatchEvent('dragover', { dataTransfer: dt });
    await alice.getByText('Drop files to attach them').waitFor();
    await alice.locator('section.room').dispatchEvent('drop', { dataTransfer: dt });
    await alice.getByText('Ready').waitFor();
    await composer(alice, 'general').fill('the notes');
    await composer(alice, 'general').press('Enter');
    const download = messageByText(bob, 'the notes').getByRole('link', { name: /notes\.txt/ });
    await download.waitFor();
    expect(await download.getAttribute('download')).toBe('notes.txt');
    const file = await bob.context().request.get((await download.getAttribute('href'))!);
    expect(await file.text()).toBe(notes);

    // Over UPLOAD_MAX_BYTES (1 MiB in this server): refused before upload, with a sentence.
    await alice.getByLabel(/Attach files/).setInputFiles({ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(1024 * 1024 + 1) });
    await alice.getByText('“huge.bin” is 1.0 MB, larger than the 1.0 MB limit.').waitFor();
  }, 60_000);

  it('private channels, invites, unread counts, threads, direct messages and presence', async () => {
    await alice.getByRole('button', { name: 'Create a channel' }).first().click();
    await alice.getByLabel('Name').fill('secret-plans');
    await alice.getByLabel(/Private/).check();
    await alice.getByRole('button', { name: 'Create channel' }).click();
    await alice.getByRole('heading', { name: 'secret-plans', exact: true, level: 2 }).waitFor();
    await alice.getByRole('button', { name: 'Invite', exact: true }).click();
    await alice.getByLabel('Search people').fill('bob');
    await alice.getByRole('button', { name: 'Invite Bob' }).click();
    await alice.getByRole('button', { name: 'Bob: done' }).waitFor();
    await alice.keyboard.press('Escape');

    // Bob, still in #general, gets the room in his sidebar and an unread count.
    await composer(alice, 'secret-plans').fill('The surprise party is on Friday');
    await composer(alice, 'secret-plans').press('Enter');
    const entry = bob.getByRole('button', { name: /^secret-plans, 1 unread/ });
    await entry.waitFor({ timeout: 20_000 });
    await entry.click();
    await messageByText(bob, 'The surprise party is on Friday').waitFor();
    await bob.getByRole('button', { name: /^secret-plans$/ }).waitFor();

    // Thread: Bob replies, Alice sees the reply count and opens the thread.
    const root = byId(bob, await messageByText(bob, 'The surprise party').getAttribute('data-message-id'));
    await root.hover();
    await root.getByRole('button', { name: 'Reply in thread' }).click();
    const thread = bob.getByRole('complementary', { name: 'Thread' });
    await thread.getByRole('textbox', { name: 'Reply in thread' }).fill('I will bring the cake');
    await thread.getByRole('textbox', { name: 'Reply in thread' }).press('Enter');
    await thread.locator('li.message .body', { hasText: 'I will bring the cake' }).waitFor();
    await alice.getByRole('button', { name: '1 reply' }).click();
    await alice.getByRole('complementary', { name: 'Thread' }).locator('.body', { hasText: 'I will bring the cake' }).waitFor();
    // Replies stay out of the main timeline.
    expect(await alice.locator('.main li.message .body', { hasText: 'I will bring the cake' }).count()).toBe(0);
    await alice.getByRole('button', { name: 'Close thread' }).click();

    // Direct message from Bob to Alice, with Alice shown online.
    await bob.getByRole('button', { name: 'New direct message' }).click();
    await bob.getByLabel('Search people').fill('alice');
    await bob.getByRole('button', { name: 'Message Alice' }).click();
    await bob.getByRole('heading', { name: 'Alice', exact: true, level: 2 }).waitFor();
    await bob.getByRole('button', { name: /^Alice, online/ }).waitFor({ timeout: 20_000 });
    await composer(bob, 'Alice').fill('psst');
    await composer(bob, 'Alice').press('Enter');
    const dm = alice.getByRole('button', { name: /^Bob, 1 unread/ });
    await dm.waitFor({ timeout: 20_000 });
    await dm.click();
    await messageByText(alice, 'psst').waitFor();

    // Leave the private channel (Bob), back to #general for both.
    await bob.getByRole('button', { name: /^secret-plans/ }).click();
    await bob.getByRole('button', { name: 'Leave' }).click();
    await expect.poll(() => bob.getByRole('button', { name: /^secret-plans/ }).count()).toBe(0);
    await bob.getByRole('button', { name: /^general/ }).click();
    await alice.getByRole('button', { name: /^general/ }).click();
  }, 120_000);

  it('a third user joins and scrolls back through 500 messages without gaps', async () => {
    const api = new Api(server.url);
    await api.login('alice', PASSWORD);
    const room = await api.call<{ id: string }>('POST', '/rooms', { kind: 'public', name: 'history' });
    for (let i = 1; i <= 500; i++) {
      await api.call('POST', `/rooms/${room.id}/messages`, { body: `history ${String(i).padStart(3, '0')}`, clientKey: `seed-${i}-${room.id.slice(0, 8)}` });
    }
    await new Api(server.url).register('carol', PASSWORD, 'Carol');
    const carol = await newPage({ width: 1280, height: 800 });
    await signInUi(carol, 'carol');
    await joinChannel(carol, 'history');
    await messageByText(carol, 'history 500').waitFor();
    const list = carol.getByRole('log', { name: 'Messages in history' });
    for (let i = 0; i < 30; i++) {
      if (await carol.getByText('This is the beginning of the conversation.').isVisible()) break;
      const before = await carol.locator('li.message').count();
      await list.evaluate((el) => el.scrollTo({ top: 0 }));
      await expect.poll(async () => (await carol.getByText('This is the beginning of the conversation.').isVisible()) || (await carol.locator('li.message').count()) > before, { timeout: 15_000 }).toBe(true);
    }
    const bodies = await carol.locator('li.message .body').allTextContents();
    expect(bodies).toEqual(Array.from({ length: 500 }, (_, i) => `history ${String(i + 1).padStart(3, '0')}`));
  }, 180_000);

  it('killing and restarting the server: reconnect banner, then every message sent meanwhile, once', async () => {
    await alice.getByRole('button', { name: /^general/ }).click();
    await ready(alice);
    await ready(bob);
    await server.kill('SIGKILL');
    const banner = alice.locator('.connection-banner');
    await expect.poll(() => banner.textContent(), { timeout: 20_000 }).toMatch(/Reconnecting|Connection lost/);
    await alice.screenshot({ path: join(IMAGES, 'reconnecting-light-desktop.png') });

    // Alice writes while the server is down: it stays pending and goes out after the reconnect.
    await composer(alice, 'general').fill('written while the server was down');
    await composer(alice, 'general').press('Enter');
    await messageByText(alice, 'written while the server was down').waitFor();

    await server.start();
    const api = new Api(server.url);
    await api.login('bob', PASSWORD);
    const general = (await api.call<{ items: { id: string; name: string }[] }>('GET', '/rooms')).items.find((r) => r.name === 'general')!;
    const sent = ['meanwhile 1', 'meanwhile 2', 'meanwhile 3', 'meanwhile 4', 'meanwhile 5'];
    for (const [i, body] of sent.entries()) await api.call('POST', `/rooms/${general.id}/messages`, { body, clientKey: `meanwhile-${i}-key` });

    await ready(alice);
    await ready(bob);
    await expect.poll(() => banner.textContent(), { timeout: 30_000 }).toBe('');
    for (const body of sent) {
      await expect.poll(() => messageByText(alice, body).count(), { timeout: 30_000 }).toBe(1);
      await expect.poll(() => messageByText(bob, body).count(), { timeout: 30_000 }).toBe(1);
    }
    await expect.poll(() => messageByText(bob, 'written while the server was down').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => alice.locator('li.message.pending, li.message.failed').count(), { timeout: 30_000 }).toBe(0);
    expect(await messageByText(alice, 'written while the server was down').count()).toBe(1);
    // Give late duplicates (resync, outbox resend) a chance to show up, then check again.
    await alice.waitForTimeout(1500);
    for (const page of [alice, bob]) {
      for (const body of [...sent, 'written while the server was down']) expect(await messageByText(page, body).count()).toBe(1);
    }
  }, 180_000);

  it('keeps the session across reloads and refreshes an expired access token', async () => {
    await alice.reload();
    await alice.getByRole('heading', { name: 'general', exact: true, level: 2 }).waitFor();
    // Let the page finish loading first: a refresh still in flight when the page reloads would
    // present the rotated refresh token twice, which the server treats as theft (session revoked).
    await ready(alice);
    await messageByText(alice, 'meanwhile 5').waitFor();
    await alice.waitForLoadState('networkidle');
    // Drop the access cookie: the next request gets 401, refreshes once and carries on.
    await alice.context().clearCookies({ name: 'parley_access' });
    await alice.reload();
    await alice.getByRole('heading', { name: 'general', exact: true, level: 2 }).waitFor();
    await ready(alice);
    // Without any session, the app returns to sign-in and the typed draft survives.
    await composer(alice, 'general').fill('a draft I do not want to lose');
    await alice.context().clearCookies();
    await alice.reload();
    await alice.getByRole('button', { name: 'Sign in' }).waitFor();
    await alice.getByLabel('Username').fill('alice');
    await alice.getByLabel('Password').fill(PASSWORD);
    await alice.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => composer(alice, 'general').inputValue()).toBe('a draft I do not want to lose');
    await composer(alice, 'general').fill('');
  }, 60_000);

  it('saves screenshots of the main screens (light and dark, desktop and 360 px)', async () => {
    const login = await newPage();
    for (const scheme of ['light', 'dark'] as const) {
      await login.emulateMedia({ colorScheme: scheme });
      for (const [size, viewport] of [
        ['desktop', { width: 1280, height: 800 }],
        ['mobile', { width: 360, height: 740 }],
      ] as const) {
        await login.setViewportSize(viewport);
        await login.goto('/');
        await login.getByRole('button', { name: 'Sign in' }).waitFor();
        await login.screenshot({ path: join(IMAGES, `login-${scheme}-${size}.png`) });

        await alice.emulateMedia({ colorScheme: scheme });
        await alice.setViewportSize(viewport);
        await alice.goto('/');
        if (size === 'mobile') {
          await alice.getByRole('navigation', { name: 'Rooms' }).waitFor();
          await alice.screenshot({ path: join(IMAGES, `rooms-${scheme}-${size}.png`) });
          await alice.getByRole('button', { name: /^general/ }).click();
        }
        await alice.getByRole('heading', { name: 'general', exact: true, level: 2 }).waitFor();
        await messageByText(alice, 'meanwhile 5').waitFor();
        await ready(alice);
        await alice.screenshot({ path: join(IMAGES, `chat-${scheme}-${size}.png`) });
        // Nothing overflows sideways at this width.
        expect(await alice.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      }
    }
    await alice.emulateMedia({ colorScheme: 'light' });
    await alice.setViewportSize({ width: 1280, height: 800 });
    await alice.getByRole('button', { name: 'Browse channels' }).first().click();
    await alice.getByRole('dialog', { name: 'Browse channels' }).getByText('#history').waitFor();
    await alice.screenshot({ path: join(IMAGES, 'browse-channels-light-desktop.png') });
    await alice.keyboard.press('Escape');
  }, 120_000);

  it('ran without Content-Security-Policy violations or alerts in any page', async () => {
    for (const page of pages) {
      if (page.isClosed()) continue;
      expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    }
    expect(alerts).toEqual([]);
  });
});
