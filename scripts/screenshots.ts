/**
 * `npm run screenshots`: the README's pictures of the web chat, made from a clean demo server.
 *
 * Starts the built service as a user would (`node dist/src/main.js`, a new empty DATA_DIR, no
 * ANTHROPIC_API_KEY, so the offline demo model answers), asks the headline question in two fresh
 * sessions — one allowed and answered, one left waiting for approval — and writes desktop and phone
 * screenshots to docs/screenshots/. Nothing from the test suites' data can appear in them.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { DESKTOP, launchBrowser, newPage, PHONE } from '../test/helpers/browser.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'docs/screenshots');
const PORT = 18_181;
const URL = `http://127.0.0.1:${PORT}`;
const QUESTION = 'What is the weather in Paris?';

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-screenshots-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: String(PORT), APPROVAL_REQUIRED_TOOLS: 'mcp__weather__get_weather' };
  const server = spawn(process.execPath, ['dist/src/main.js'], { cwd: ROOT, env, stdio: 'ignore' });
  const browser = await launchBrowser();
  try {
    await waitForHealth();
    const desktop = (await newPage(browser, DESKTOP)).page;
    desktop.setDefaultTimeout(60_000);
    await desktop.goto(URL);
    // A session answered: allow the tool, open its card, show the answer.
    await ask(desktop);
    await desktop.getByTestId('approval-allow').click();
    await desktop.locator('[data-testid="message"][data-role="assistant"][data-status="succeeded"]').first().waitFor();
    await desktop.getByTestId('tool-card').first().locator('summary, button').first().click();
    await desktop.getByTestId('composer-input').blur();
    await shot(desktop, 'desktop-chat.png');
    const answered = desktop.url();
    // A second session, left waiting for approval.
    await desktop.getByRole('button', { name: /new chat/i }).click();
    await ask(desktop);
    await shot(desktop, 'desktop-approval.png');
    const waiting = desktop.url();

    const phone = (await newPage(browser, PHONE)).page;
    phone.setDefaultTimeout(60_000);
    await phone.goto(answered);
    await phone.locator('[data-testid="message"][data-role="assistant"][data-status="succeeded"]').first().waitFor();
    const card = phone.getByTestId('tool-card').first();
    await card.locator('summary, button').first().click();
    await card.scrollIntoViewIfNeeded();
    await shot(phone, 'phone-chat.png');
    await phone.goto(waiting);
    await phone.getByTestId('approval').waitFor({ state: 'visible' });
    await shot(phone, 'phone-approval.png');
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function ask(page: Page): Promise<void> {
  const input = page.getByTestId('composer-input');
  await input.fill(QUESTION);
  await input.press('Enter');
  await page.getByTestId('approval').waitFor({ state: 'visible' });
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(OUT, name), fullPage: false, animations: 'disabled' });
  console.log(`wrote docs/screenshots/${name}`);
}

async function waitForHealth(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const ok = await fetch(`${URL}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the service did not become healthy');
}

await main();
