import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Real-browser helpers for the web chat tests: the system Chromium (never a downloaded one), a
 * fresh context per page (its own localStorage), and a guard that records every request the page
 * tries to make anywhere but this machine. The web chat must make none: it talks only to its own
 * origin, and model output must never make it load anything.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../test-output/screenshots');

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Without the background-networking flags Chromium tries to reach Google services.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** True for a URL that leaves the machine (data:, blob: and about: never do). */
export function isForeign(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return true;
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return false;
  return !LOCAL_HOSTS.has(u.hostname);
}

export interface TestPage {
  page: Page;
  context: BrowserContext;
  /** Every request (and WebSocket) the page tried to open to another host; they are aborted. */
  foreignRequests: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** Every alert/confirm/prompt the page opened (dismissed at once). */
  dialogs: string[];
  close(): Promise<void>;
}

/** A page in a context of its own, with the foreign-request guard installed before anything loads. */
export async function newPage(browser: Browser, viewport: { width: number; height: number } = DESKTOP): Promise<TestPage> {
  const context = await browser.newContext({ viewport, serviceWorkers: 'block' });
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];
  const dialogs: string[] = [];
  context.on('request', (req) => {
    if (isForeign(req.url())) foreignRequests.push(`${req.method()} ${req.url()}`);
  });
  // Recorded above; never let one leave the machine.
  await context.route((url) => isForeign(url.href), (route) => route.abort('blockedbyclient'));
  const page = await context.newPage();
  page.on('websocket', (ws) => {
    if (isForeign(ws.url())) foreignRequests.push(`WS ${ws.url()}`);
  });
  page.on('pageerror', (err) => pageErrors.push(String(err?.stack ?? err)));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  return {
    page,
    context,
    foreignRequests,
    pageErrors,
    dialogs,
    close: () => context.close().catch(() => {}),
  };
}

/** Saves a full-page PNG under test-output/screenshots/; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, name.endsWith('.png') ? name : `${name}.png`);
  await page.screenshot({ path: file, fullPage: false, animations: 'disabled' });
  return file;
}
