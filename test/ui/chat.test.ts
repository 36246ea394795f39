import { randomBytes } from 'node:crypto';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, launchBrowser, newPage, PHONE, screenshot, type TestPage } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { waitFor } from '../helpers/procs.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * The web chat in a real browser (the system Chromium), against the whole real server: real
 * `claude`, the scripted mock model, real SQLite. Only the data-testid contract of ui/ is assumed.
 */

/** A turn takes ~1–2 s; slow ones and reconnects longer. */
const UI_TIMEOUT = 20_000;
const SLOW_TIMEOUT = 40_000;

const words = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`).join(' ');
const norm = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

let browser: Browser;
/** The pages the running test opened: checked and closed after it. */
let opened: TestPage[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  const pages = opened;
  opened = [];
  try {
    for (const p of pages) {
      // The web chat talks only to its own origin, whatever the model says.
      expect(p.foreignRequests, 'requests to other hosts').toEqual([]);
      expect(p.pageErrors, 'uncaught errors in the page').toEqual([]);
    }
  } finally {
    await Promise.all(pages.map((p) => p.close()));
  }
});

/** A fresh context (own localStorage) at `url`. */
async function open(url: string, viewport: { width: number; height: number } = DESKTOP): Promise<TestPage> {
  const tp = await newPage(browser, viewport);
  opened.push(tp);
  tp.page.setDefaultTimeout(UI_TIMEOUT);
  await tp.page.goto(url);
  return tp;
}

const messages = (page: Page, role: 'user' | 'assistant') => page.locator(`[data-testid="message"][data-role="${role}"]`);
const textOf = async (l: Locator) => norm(await l.getByTestId('message-text').textContent());

/** Types into the composer and presses Enter (the contract: Enter sends). */
async function send(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('composer-input');
  await input.fill(text);
  await input.press('Enter');
}

/** Waits until the n-th (1-based) assistant message has ended with `status`; returns it. */
async function ended(page: Page, n: number, status = 'succeeded', timeout = UI_TIMEOUT): Promise<Locator> {
  const msg = messages(page, 'assistant').nth(n - 1);
  await msg.and(page.locator(`[data-status="${status}"]`)).waitFor({ timeout });
  return msg;
}

/** The open session, once the URL names it. */
async function sessionIdOf(page: Page): Promise<string> {
  await page.waitForURL(/\/s\/[^/?#]+$/);
  return decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
}

/** Opens a tool card if its details are not shown yet. */
async function openToolCard(card: Locator): Promise<void> {
  if (await card.getByTestId('tool-input').isVisible()) return;
  const toggle = card.locator('summary, button').first();
  await ((await toggle.count()) > 0 ? toggle : card).click();
  await card.getByTestId('tool-input').waitFor({ state: 'visible' });
}

/**
 * Records every (status, text) the last assistant message shows, on each DOM change, so a test can
 * look at what was on screen mid-stream without racing it.
 */
async function recordAssistant(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __snaps: { status?: string; text: string }[] };
    w.__snaps = [];
    const snap = () => {
      const all = document.querySelectorAll<HTMLElement>('[data-testid="message"][data-role="assistant"]');
      const el = all[all.length - 1];
      if (!el) return;
      const s = { status: el.dataset.status, text: el.querySelector('[data-testid="message-text"]')?.textContent ?? '' };
      const last = w.__snaps[w.__snaps.length - 1];
      if (!last || last.status !== s.status || last.text !== s.text) w.__snaps.push(s);
    };
    new MutationObserver(snap).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}
const snapshots = (page: Page) =>
  page.evaluate(() => (window as unknown as { __snaps: { status?: string; text: string }[] }).__snaps);

/** Visible parts of the chat that stick out past the right edge of the window (a phone must not scroll sideways). */
const overflowing = (page: Page) =>
  page.evaluate(() => {
    const out: string[] = [];
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth > width) out.push(`page is ${document.documentElement.scrollWidth}px wide`);
    for (const el of document.querySelectorAll<HTMLElement>('[data-testid]')) {
      if (el.closest('[data-testid="sidebar"]')) continue; // slides in over the page on a phone
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 1) out.push(`${el.dataset.testid} ends at ${Math.round(r.right)}px of ${width}px`);
    }
    return out;
  });

describe('web chat', () => {
  let t: TestServer;
  let proxy: TcpProxy;
  beforeAll(async () => {
    t = await startTestServer();
    proxy = await startProxy(Number(new URL(t.url).port));
  });
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
  });

  /** A session made through the API, with one finished turn. */
  async function apiSession(message: string, title?: string): Promise<string> {
    const id = (await t.json('POST', '/v1/sessions', title ? { title } : {})).body.id as string;
    const turn = await t.json('POST', `/v1/sessions/${id}/messages`, { message });
    expect(turn.body.status).toBe('succeeded');
    return id;
  }

  it('sends a message and streams the answer in, then shows its cost and duration', async () => {
    const { page } = await open(t.url);
    await page.getByTestId('composer-input').waitFor();
    await recordAssistant(page);
    const full = 'one two three four five six seven eight nine ten';
    await send(page, `MOCK slow 60 ${full}`);

    const id = await sessionIdOf(page);
    const msg = await ended(page, 1);
    expect(await textOf(msg)).toBe(full);
    await expect.poll(() => textOf(messages(page, 'user').first())).toBe(`MOCK slow 60 ${full}`);

    // Mid-stream it showed some of the words, marked running, before the whole answer.
    const snaps = await snapshots(page);
    const partial = snaps.filter((s) => s.status === 'running' && norm(s.text) !== '' && norm(s.text) !== full);
    expect(partial.length, JSON.stringify(snaps)).toBeGreaterThan(0);
    for (const s of partial) expect(full.startsWith(norm(s.text)), `"${s.text}" is a prefix of the answer`).toBe(true);
    expect(snaps.at(-1)).toMatchObject({ status: 'succeeded' });
    // Running came before succeeded, never after.
    const firstDone = snaps.findIndex((s) => s.status === 'succeeded');
    expect(snaps.slice(firstDone).every((s) => s.status === 'succeeded')).toBe(true);

    const meta = norm(await msg.getByTestId('turn-meta').textContent());
    expect(meta).toMatch(/\$\s?\d/);
    expect(meta).toMatch(/\d(\.\d+)?\s?(ms|s|sec|seconds?)\b/);

    const api = await t.json('GET', `/v1/sessions/${id}`);
    expect(api.body.turn_count).toBe(1);
  });

  it('shows a tool call as a card with its input and result', async () => {
    const { page } = await open(t.url);
    await send(page, 'What is the weather in Paris?');
    const msg = await ended(page, 1);
    const card = page.locator('[data-testid="tool-card"][data-tool-name="mcp__weather__get_weather"]');
    await card.and(page.locator('[data-state="done"]')).waitFor();
    expect(await card.count()).toBe(1);
    await openToolCard(card);
    expect(await card.getByTestId('tool-input').textContent()).toContain('Paris');
    await card.getByTestId('tool-result').waitFor({ state: 'visible' });
    expect(await card.getByTestId('tool-result').textContent()).toContain('18.2');
    expect(await textOf(msg)).toContain('18.2');
  });

  it('restores the conversation on reload, and back/forward switch the open session', async () => {
    const { page } = await open(t.url);
    await send(page, 'Remember the word avocado.');
    await ended(page, 1);
    const first = await sessionIdOf(page);

    await page.reload();
    await ended(page, 1);
    expect(new URL(page.url()).pathname).toBe(`/s/${first}`);
    expect(await messages(page, 'user').count()).toBe(1);
    expect(await textOf(messages(page, 'user').first())).toBe('Remember the word avocado.');
    expect(await textOf(messages(page, 'assistant').first())).toContain('Echo: Remember the word avocado.');

    // A second session, then back and forward between the two.
    await page.getByTestId('new-session').click();
    await expect.poll(() => messages(page, 'user').count()).toBe(0);
    await send(page, 'A second session about bananas.');
    await ended(page, 1);
    const second = await sessionIdOf(page);
    expect(second).not.toBe(first);
    await page.locator(`[data-testid="session-item"][data-session-id="${first}"]`).click();
    await page.waitForURL(`**/s/${first}`);
    await expect.poll(() => textOf(messages(page, 'user').first())).toBe('Remember the word avocado.');

    await page.goBack();
    await page.waitForURL(`**/s/${second}`);
    await expect.poll(() => textOf(messages(page, 'user').first())).toBe('A second session about bananas.');
    expect(await messages(page, 'user').count()).toBe(1);
    await page.goForward();
    await page.waitForURL(`**/s/${first}`);
    await expect.poll(() => textOf(messages(page, 'user').first())).toBe('Remember the word avocado.');
    expect(await messages(page, 'user').count()).toBe(1);
  });

  it('switches sessions from the sidebar and marks the open one', async () => {
    const a = await apiSession('Sidebar session alpha');
    const b = await apiSession('Sidebar session beta');
    const { page } = await open(t.url);
    const item = (id: string) => page.locator(`[data-testid="sidebar"] [data-testid="session-item"][data-session-id="${id}"]`);
    await item(a).waitFor();
    await item(b).waitFor();

    await item(a).click();
    await page.waitForURL(`**/s/${a}`);
    await expect.poll(() => textOf(messages(page, 'user').first())).toBe('Sidebar session alpha');
    await expect.poll(() => item(a).getAttribute('data-active')).toBe('true');
    expect(await item(b).getAttribute('data-active')).toBe('false');
    expect(await textOf(messages(page, 'assistant').first())).toContain('Echo: Sidebar session alpha');

    await item(b).click();
    await page.waitForURL(`**/s/${b}`);
    await expect.poll(() => textOf(messages(page, 'user').first())).toBe('Sidebar session beta');
    await expect.poll(() => item(b).getAttribute('data-active')).toBe('true');
    expect(await item(a).getAttribute('data-active')).toBe('false');
    expect(await messages(page, 'user').count()).toBe(1);
    expect(await page.locator('[data-testid="session-item"][data-active="true"]').count()).toBe(1);
  });

  it('renames a session', async () => {
    const id = await apiSession('Rename me please', 'Old title');
    const { page } = await open(`${t.url}/s/${id}`);
    await ended(page, 1);
    await expect.poll(async () => norm(await page.getByTestId('session-title').textContent())).toBe('Old title');

    await page.getByTestId('rename-button').click();
    const input = page.getByTestId('rename-input');
    await input.fill('Trip to Lisbon');
    await input.press('Enter');
    await expect.poll(async () => norm(await page.getByTestId('session-title').textContent())).toBe('Trip to Lisbon');
    const item = page.locator(`[data-testid="session-item"][data-session-id="${id}"]`);
    await expect.poll(async () => norm(await item.textContent())).toContain('Trip to Lisbon');
    await expect.poll(async () => (await t.json('GET', `/v1/sessions/${id}`)).body.title).toBe('Trip to Lisbon');

    // And it stays renamed after a reload.
    await page.reload();
    await expect.poll(async () => norm(await page.getByTestId('session-title').textContent())).toBe('Trip to Lisbon');
  });

  it('deletes a session only after confirming', async () => {
    const keep = await apiSession('Keep this session');
    const id = await apiSession('Delete this session');
    const { page } = await open(`${t.url}/s/${id}`);
    await ended(page, 1);
    const item = page.locator(`[data-testid="session-item"][data-session-id="${id}"]`);
    await item.waitFor();

    await page.getByTestId('delete-button').click();
    await page.getByTestId('confirm-dialog').waitFor({ state: 'visible' });
    await page.getByTestId('confirm-cancel').click();
    await page.getByTestId('confirm-dialog').waitFor({ state: 'hidden' });
    expect(await item.count()).toBe(1);
    expect(new URL(page.url()).pathname).toBe(`/s/${id}`);
    expect((await t.json('GET', `/v1/sessions/${id}`)).status).toBe(200);

    await page.getByTestId('delete-button').click();
    await page.getByTestId('confirm-dialog').waitFor({ state: 'visible' });
    await page.getByTestId('confirm-delete').click();
    await item.waitFor({ state: 'detached' });
    await page.waitForURL((u) => u.pathname === '/');
    await expect.poll(async () => (await t.json('GET', `/v1/sessions/${id}`)).status).toBe(404);
    // Only that one.
    expect((await t.json('GET', `/v1/sessions/${keep}`)).status).toBe(200);
    await page.locator(`[data-testid="session-item"][data-session-id="${keep}"]`).waitFor();
  });

  it('interrupts a slow turn; no second message can be sent while it runs', async () => {
    const { page } = await open(t.url);
    await send(page, `MOCK slow 200 ${words('w', 40)}`);
    const id = await sessionIdOf(page);
    const msg = messages(page, 'assistant').first();
    await msg.and(page.locator('[data-status="running"]')).waitFor();
    await page.getByTestId('interrupt-button').waitFor({ state: 'visible' });
    // Some of the answer is on screen (so the interrupted message keeps it).
    await msg.getByTestId('message-text').filter({ hasText: 'w02' }).waitFor();

    // While it runs: the send button is disabled even with text, and Enter does not send.
    const input = page.getByTestId('composer-input');
    await input.fill('a second message');
    expect(await page.getByTestId('send-button').isDisabled()).toBe(true);
    await input.press('Enter');
    await page.getByTestId('send-button').click({ force: true }).catch(() => {});

    await page.getByTestId('interrupt-button').click();
    await ended(page, 1, 'interrupted');
    await page.getByTestId('interrupt-button').waitFor({ state: 'hidden' });
    expect((await textOf(msg)).length).toBeLessThan(words('w', 40).length);

    await waitFor(async () => (await t.json('GET', `/v1/sessions/${id}`)).body.status, (s) => s === 'idle');
    const s = await t.json('GET', `/v1/sessions/${id}`);
    expect(s.body.turn_count).toBe(1);
    const history = await t.json('GET', `/v1/sessions/${id}/messages`);
    expect(history.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(history.body.messages[1].status).toBe('interrupted');
    expect(await messages(page, 'user').count()).toBe(1);

    // The session is usable again.
    await input.fill('after the interrupt');
    await expect.poll(() => page.getByTestId('send-button').isEnabled()).toBe(true);
    await input.press('Enter');
    const next = await ended(page, 2);
    expect(await textOf(next)).toContain('Echo: after the interrupt');
  });

  it('survives a dropped connection mid-stream: the answer completes, whole and once', async () => {
    const { page } = await open(proxy.url);
    await page.getByTestId('composer-input').waitFor();
    await recordAssistant(page);
    const expected = words('k', 30);
    await send(page, `MOCK slow 100 ${expected}`);
    const msg = messages(page, 'assistant').first();
    await page.waitForFunction(() => {
      const el = document.querySelector<HTMLElement>('[data-testid="message"][data-role="assistant"]');
      return el?.dataset.status === 'running' && (el.querySelector('[data-testid="message-text"]')?.textContent ?? '').includes('k02');
    });
    const before = proxy.connections;
    expect(proxy.cutAll()).toBeGreaterThan(0);

    await ended(page, 1, 'succeeded', SLOW_TIMEOUT);
    expect(await textOf(msg)).toBe(expected);
    expect(await messages(page, 'assistant').count()).toBe(1);
    expect(await messages(page, 'user').count()).toBe(1);
    // It got there through new connections, and never showed a word twice on the way.
    expect(proxy.connections).toBeGreaterThan(before);
    const snaps = await snapshots(page);
    for (const s of snaps) expect(expected.startsWith(norm(s.text)), `on screen: "${s.text}"`).toBe(true);
    expect(snaps.some((s) => s.status === 'succeeded' && norm(s.text) === expected)).toBe(true);
    // After a reload the same, single answer.
    await page.reload();
    const again = await ended(page, 1);
    expect(await textOf(again)).toBe(expected);
  });

  it('a reload in the middle of an answer picks the running turn up again', async () => {
    const { page } = await open(t.url);
    const expected = words('r', 24);
    await send(page, `MOCK slow 100 ${expected}`);
    const id = await sessionIdOf(page);
    await messages(page, 'assistant').first().getByTestId('message-text').filter({ hasText: 'r03' }).waitFor();
    await page.reload();
    // Still answering after the reload, then the whole answer, once.
    const msg = messages(page, 'assistant').first();
    await msg.and(page.locator('[data-status="running"]')).waitFor();
    await page.getByTestId('interrupt-button').waitFor({ state: 'visible' });
    await ended(page, 1, 'succeeded', SLOW_TIMEOUT);
    expect(await textOf(msg)).toBe(expected);
    expect(await messages(page, 'assistant').count()).toBe(1);
    expect(await messages(page, 'user').count()).toBe(1);
    expect((await t.json('GET', `/v1/sessions/${id}`)).body.turn_count).toBe(1);
  });

  it('Shift+Enter starts a new line; Enter sends both lines', async () => {
    const { page } = await open(t.url);
    const input = page.getByTestId('composer-input');
    await input.click();
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    expect(await input.inputValue()).toBe('line one\nline two');
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await messages(page, 'user').count()).toBe(0);
    await page.keyboard.press('Enter');
    const msg = await ended(page, 1);
    expect(await textOf(msg)).toContain('line two');
    expect(await input.inputValue()).toBe('');
    const id = await sessionIdOf(page);
    const history = await t.json('GET', `/v1/sessions/${id}/messages`);
    expect(history.body.messages[0].content).toBe('line one\nline two');
  });

  it('shows HTML in model output as text and never runs it', async () => {
    const { page, dialogs } = await open(t.url);
    const hostile = 'Look: <script>window.__xss=1</script> and <img src=x onerror="window.__xss=2;alert(2)"> done';
    await send(page, hostile);
    const msg = await ended(page, 1);
    const text = await textOf(msg);
    expect(text).toContain('Echo:');
    expect(text).toContain('<script>');
    expect(text).toContain('onerror');
    expect(await textOf(messages(page, 'user').first())).toContain('<script>window.__xss=1</script>');

    // After a reload (rendered from history, not the stream) too.
    await page.reload();
    await ended(page, 1);
    expect(await textOf(messages(page, 'assistant').first())).toContain('<script>');
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await page.locator('[data-testid="message"] img[src="x"]').count()).toBe(0);
    expect(await page.locator('[data-testid="message"] script').count()).toBe(0);
  });

  it('needs no sign-in on a keyless local server', async () => {
    const { page } = await open(t.url);
    await page.getByTestId('sidebar').waitFor({ state: 'visible' });
    await page.getByTestId('composer-input').waitFor({ state: 'visible' });
    expect(await page.getByTestId('signin-form').count()).toBe(0);
  });

  it('shows no demo banner when the server has a model key', async () => {
    const tp = await open(t.url);
    await tp.page.getByTestId('sidebar').waitFor({ state: 'visible' });
    await tp.page.waitForLoadState('networkidle');
    expect(await tp.page.getByTestId('demo-banner').count()).toBe(0);
  });

  it('says in words why a message to an archived session failed', async () => {
    const { page } = await open(t.url);
    await send(page, 'This session will be archived.');
    await ended(page, 1);
    const id = await sessionIdOf(page);
    expect((await t.json('POST', `/v1/sessions/${id}/archive`)).status).toBe(200);

    await send(page, 'Are you still there?');
    const banner = page.getByTestId('error-banner');
    await banner.waitFor({ state: 'visible' });
    expect(norm(await banner.textContent())).toMatch(/archived/i);
    expect((await t.json('GET', `/v1/sessions/${id}`)).body.turn_count).toBe(1);
  });

  it('screenshots: a conversation with an open tool card and a Markdown answer', async () => {
    const { page } = await open(t.url, DESKTOP);
    await send(page, 'Show code:\n```js\nconst x = 1;\n```\nand a **bold** word');
    const md = await ended(page, 1);
    const id = await sessionIdOf(page);
    // The echo's Markdown is rendered: a code block and bold text, not asterisks and backticks.
    await md.locator('pre code').first().waitFor();
    expect(await md.locator('pre code').first().textContent()).toContain('const x = 1;');
    expect(await md.locator('strong').first().textContent()).toBe('bold');
    await send(page, 'What is the weather in Paris?');
    await ended(page, 2);
    const card = page.getByTestId('tool-card').first();
    await openToolCard(card);
    await page.getByTestId('composer-input').blur();
    // The open card and the finished answer below it.
    await messages(page, 'assistant').last().getByTestId('turn-meta').scrollIntoViewIfNeeded();
    await screenshot(page, 'desktop-chat.png');

    const phone = await open(`${t.url}/s/${id}`, PHONE);
    await ended(phone.page, 2);
    const phoneCard = phone.page.getByTestId('tool-card').first();
    await openToolCard(phoneCard);
    await phoneCard.scrollIntoViewIfNeeded();
    expect(await overflowing(phone.page)).toEqual([]);
    await screenshot(phone.page, 'phone-chat.png');
  });

  it('shows the model’s thinking, collapsed, apart from the answer', async () => {
    const { page } = await open(t.url);
    await send(page, 'MOCK think deep thoughts');
    const msg = await ended(page, 1);
    expect(await textOf(msg)).toBe('deep thoughts');
    const thinking = msg.getByTestId('thinking');
    await thinking.waitFor();
    expect(norm(await thinking.textContent())).toContain('Thinking about: deep thoughts');
    expect(norm(await msg.getByTestId('message-text').textContent())).not.toContain('Thinking about');
  });

  it('says in words why an answer failed, and the session goes on', async () => {
    const { page } = await open(t.url);
    await send(page, 'MOCK fail 500');
    const failed = await ended(page, 1, 'failed', SLOW_TIMEOUT);
    const err = failed.getByTestId('turn-error');
    await err.waitFor({ state: 'visible' });
    const words = norm(await err.textContent());
    expect(words.length).toBeGreaterThan(10);
    expect(words).not.toMatch(/^model_error$/);
    expect(words).toMatch(/model|error/i);

    await send(page, 'are you there?');
    const next = await ended(page, 2);
    expect(await textOf(next)).toContain('Echo: are you there?');
  });

  it('archives and unarchives from the header; the sidebar lists archived sessions apart', async () => {
    const id = await apiSession('Archive me from the header', 'To archive');
    const { page } = await open(`${t.url}/s/${id}`);
    await ended(page, 1);
    const item = page.locator(`[data-testid="session-item"][data-session-id="${id}"]`);
    await item.waitFor();

    await page.getByTestId('archive-button').click();
    await expect.poll(async () => (await t.json('GET', `/v1/sessions/${id}`)).body.status).toBe('archived');
    await item.waitFor({ state: 'detached' });
    await page.getByTestId('show-archived').check();
    await item.waitFor();
    await page.getByTestId('show-archived').uncheck();
    await item.waitFor({ state: 'detached' });

    await page.getByTestId('archive-button').click();
    await expect.poll(async () => (await t.json('GET', `/v1/sessions/${id}`)).body.status).toBe('idle');
    await item.waitFor();
    await send(page, 'back again');
    expect(await textOf(await ended(page, 2))).toContain('Echo: back again');
  });

  it('forks a session into a new one with the same conversation', async () => {
    const id = await apiSession('The original thread', 'Original');
    const { page } = await open(`${t.url}/s/${id}`);
    await ended(page, 1);
    await page.getByTestId('fork-button').click();
    await page.waitForURL((u) => u.pathname.startsWith('/s/') && u.pathname !== `/s/${id}`);
    const fork = await sessionIdOf(page);
    await expect.poll(() => textOf(messages(page, 'user').first())).toBe('The original thread');
    expect((await t.json('GET', `/v1/sessions/${fork}`)).body.forked_from).toBe(id);
    await page.locator(`[data-testid="session-item"][data-session-id="${fork}"][data-active="true"]`).waitFor();

    // The fork goes on by itself; the original is untouched.
    await send(page, 'only in the fork');
    expect(await textOf(await ended(page, 2))).toContain('Echo: only in the fork');
    expect((await t.json('GET', `/v1/sessions/${id}`)).body.turn_count).toBe(1);
  });

  it('edits tags and shows the session totals', async () => {
    const id = await apiSession('Tag this one');
    const { page } = await open(`${t.url}/s/${id}`);
    await ended(page, 1);
    await expect.poll(async () => norm(await page.getByTestId('session-totals').textContent())).toMatch(/\b1 turn\b.*\$\s?\d/);

    await page.getByTestId('tags-button').click();
    await page.getByTestId('tags-input').fill('travel, work');
    await page.getByTestId('tags-input').press('Enter');
    await expect.poll(async () => (await t.json('GET', `/v1/sessions/${id}`)).body.tags).toEqual(['travel', 'work']);
    await expect.poll(async () => norm(await page.getByTestId('session-header').textContent())).toMatch(/travel.*work/);
  });

  it('searches titles and loads more sessions page by page', async () => {
    const tag = randomBytes(4).toString('hex');
    for (let i = 0; i < 35; i++) {
      expect((await t.json('POST', '/v1/sessions', { title: `Bulk ${tag} ${String(i).padStart(2, '0')}` })).status).toBe(201);
    }
    const { page } = await open(t.url);
    const items = page.locator('[data-testid="sidebar"] [data-testid="session-item"]');
    await items.first().waitFor();
    await page.getByTestId('load-more').waitFor({ state: 'visible' });
    const before = await items.count();
    await page.getByTestId('load-more').click();
    await expect.poll(() => items.count()).toBeGreaterThan(before);

    await page.getByTestId('session-search').fill(`${tag} 0`);
    await expect.poll(async () => (await items.allTextContents()).map(norm).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => expect.stringContaining(`Bulk ${tag} 0${i}`)),
    );
    await page.getByTestId('session-search').fill(`no such title ${tag}`);
    await expect.poll(() => items.count()).toBe(0);
  });

  it('on a phone the sidebar opens from its toggle and closes when a session is picked', async () => {
    const id = await apiSession('Phone sidebar session');
    const { page } = await open(t.url, PHONE);
    const sidebar = page.getByTestId('sidebar');
    await page.getByTestId('sidebar-toggle').waitFor({ state: 'visible' });
    await expect.poll(() => sidebar.isVisible()).toBe(false);
    await page.getByTestId('sidebar-toggle').click();
    await expect.poll(() => sidebar.isVisible()).toBe(true);
    await page.locator(`[data-testid="session-item"][data-session-id="${id}"]`).click();
    await page.waitForURL(`**/s/${id}`);
    await ended(page, 1);
    await expect.poll(() => sidebar.isVisible()).toBe(false);
    expect(await overflowing(page)).toEqual([]);
  });
});

describe('web chat: tool approvals', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ APPROVAL_REQUIRED_TOOLS: 'mcp__weather' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('asks before a tool runs; allowed, the tool runs and the answer uses it', async () => {
    const { page } = await open(t.url);
    await send(page, 'What is the weather in Paris?');
    const approval = page.getByTestId('approval');
    await approval.waitFor({ state: 'visible' });
    expect(await approval.getAttribute('data-tool')).toContain('get_weather');
    expect(t.weather.requests).toHaveLength(0);
    await screenshot(page, 'desktop-approval.png');

    await page.getByTestId('approval-allow').click();
    await approval.waitFor({ state: 'detached' });
    const msg = await ended(page, 1);
    const card = page.locator('[data-testid="tool-card"][data-tool-name="mcp__weather__get_weather"]');
    await card.and(page.locator('[data-state="done"]')).waitFor();
    expect(await textOf(msg)).toContain('18.2');
    expect(t.weather.requests.length).toBeGreaterThan(0);
  });

  it('a waiting approval is still there after a reload', async () => {
    const { page } = await open(t.url);
    await send(page, 'What is the weather in Paris?');
    await page.getByTestId('approval').waitFor({ state: 'visible' });
    await sessionIdOf(page);
    await page.reload();
    const approval = page.getByTestId('approval');
    await approval.waitFor({ state: 'visible' });
    expect(await approval.count()).toBe(1);
    await page.getByTestId('approval-allow').click();
    await approval.waitFor({ state: 'detached' });
    expect(await textOf(await ended(page, 1))).toContain('18.2');
  });

  it('denied with a note: the tool never runs and the card says denied', async () => {
    const { page } = await open(t.url, PHONE);
    await send(page, 'What is the weather in Paris?');
    const approval = page.getByTestId('approval');
    await approval.waitFor({ state: 'visible' });
    const id = await sessionIdOf(page);
    expect(await approval.getAttribute('data-tool')).toContain('get_weather');
    await screenshot(page, 'phone-approval.png');
    // Checked at the end, so the rest of the flow is tested either way.
    const overflowAtApproval = await overflowing(page);
    const weatherCalls = t.weather.requests.length;

    await page.getByTestId('approval-note').fill('not now');
    await page.getByTestId('approval-deny').click();
    await approval.waitFor({ state: 'detached' });
    await ended(page, 1);
    const card = page.locator('[data-testid="tool-card"][data-tool-name="mcp__weather__get_weather"]');
    await card.and(page.locator('[data-state="denied"]')).waitFor();
    expect(t.weather.requests.length).toBe(weatherCalls);
    // The note reached the model as the reason.
    const turn = (await t.json('GET', `/v1/sessions/${id}/messages`)).body.messages[1];
    expect(turn.tool_calls[0]).toMatchObject({ denied: true });
    expect(turn.tool_calls[0].result).toContain('not now');
    expect(overflowAtApproval, 'the approval fits a phone screen').toEqual([]);
  });
});

describe('web chat: sign-in', () => {
  let t: TestServer;
  let key: string;
  beforeAll(async () => {
    t = await startTestServer({ ADMIN_API_KEY: `admin-${randomBytes(33).toString('base64url')}` });
    const account = await t.server.accounts.createAccount({ name: 'ui-test', limits: {} });
    key = (await t.server.accounts.createKey(account.id, null)).key;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('asks for a key, refuses a wrong one, accepts the right one, and signs out', async () => {
    const { page } = await open(t.url);
    const form = page.getByTestId('signin-form');
    await form.waitFor({ state: 'visible' });
    expect(await page.getByTestId('sidebar').isVisible()).toBe(false);
    await screenshot(page, 'desktop-signin.png');

    await page.getByTestId('signin-key').fill(`caa_${randomBytes(40).toString('base64url').slice(0, 43)}`);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('signin-error').waitFor({ state: 'visible' });
    expect(await form.isVisible()).toBe(true);

    await page.getByTestId('signin-key').fill(key);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('sidebar').waitFor({ state: 'visible' });
    await form.waitFor({ state: 'detached' });

    // Signed in, it chats as that account.
    await send(page, 'Hello with a key');
    await ended(page, 1);
    const id = await sessionIdOf(page);
    const asAccount = await t.json('GET', `/v1/sessions/${id}`, undefined, { authorization: `Bearer ${key}` });
    expect(asAccount.status).toBe(200);

    // A reload keeps the sign-in.
    await page.reload();
    await ended(page, 1);
    expect(await form.count()).toBe(0);

    await page.getByTestId('signout').click();
    await form.waitFor({ state: 'visible' });
    await page.reload();
    await form.waitFor({ state: 'visible' });
    expect(await messages(page, 'assistant').count()).toBe(0);
  });

  it('a key revoked while signed in sends the page back to sign-in, saying why', async () => {
    const account = await t.server.accounts.createAccount({ name: 'ui-revoked', limits: {} });
    const created = await t.server.accounts.createKey(account.id, null);
    const { page } = await open(t.url);
    await page.getByTestId('signin-key').fill(created.key);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('sidebar').waitFor({ state: 'visible' });
    await send(page, 'Before the revocation');
    await ended(page, 1);
    // A turn's end makes the page refresh the session and the sidebar: let that land first.
    await page.getByTestId('session-totals').filter({ hasText: /^\s*1 turn\b/ }).waitFor();

    await t.server.accounts.revokeKey(account.id, created.record.id);
    // The page's next request meets the revoked key: this message, or (rarely) a refresh of its own
    // that was still on its way, which takes the composer away first.
    const signin = page.getByTestId('signin-form');
    const input = page.getByTestId('composer-input');
    await input.fill('After the revocation', { timeout: 5_000 }).then(
      () => input.press('Enter'),
      async (err: unknown) => {
        if (!(await signin.isVisible())) throw err;
      },
    );
    await signin.waitFor({ state: 'visible' });
    const error = page.getByTestId('signin-error');
    await error.waitFor({ state: 'visible' });
    expect(norm(await error.textContent())).toMatch(/revoked|not accepted/i);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(created.key);
  });

  it('screenshot: the sign-in screen on a phone', async () => {
    const { page } = await open(t.url, PHONE);
    await page.getByTestId('signin-form').waitFor({ state: 'visible' });
    await page.getByTestId('signin-key').waitFor({ state: 'visible' });
    await screenshot(page, 'phone-signin.png');
  });
});

describe('web chat: demo mode', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ ANTHROPIC_API_KEY: '' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('says so when the server runs its offline demo model', async () => {
    expect((await t.json('GET', '/health')).body.demo).toBe(true);
    const { page } = await open(t.url);
    await page.getByTestId('demo-banner').waitFor({ state: 'visible' });
    // And it still chats.
    await send(page, 'hello demo');
    const msg = await ended(page, 1);
    expect(await textOf(msg)).toContain('Echo: hello demo');
  });
});
