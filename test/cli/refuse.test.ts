import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cli, exitWithin, freePort, serve as startServe, stop, waitForHealth, type Served } from '../helpers/cli.js';

/**
 * A server reachable from other machines must not run the agent for anyone who finds the port:
 * `serve` on a non-loopback HOST refuses to start (exit 2) unless ADMIN_API_KEY is set or an API
 * key exists. These run the built CLI as separate processes, as an operator would.
 */

/** Long enough for the config check (32 characters at least). */
const ADMIN_KEY = 'a'.repeat(40);

/** Every server started here; afterEach stops the ones still running, even when a test failed. */
const servers: Served[] = [];
const serve = (env: Record<string, string>) => {
  const served = startServe(env);
  servers.push(served);
  return served;
};

describe('serve on a non-loopback HOST', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'caa-refuse-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(stop));
  });
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('refuses to start without ADMIN_API_KEY or any API key, and says what to do', async () => {
    const port = await freePort();
    const served = serve({ DATA_DIR: await tempDir(), HOST: '0.0.0.0', PORT: String(port) });
    expect(await exitWithin(served, 20_000)).toBe(2);
    expect(served.stderr()).toMatch(/Refusing to start: HOST=0\.0\.0\.0/);
    expect(served.stderr()).toMatch(/ADMIN_API_KEY/);
    expect(served.stderr()).toMatch(/keys create/);
    // It never listened.
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
    expect(res).toBeNull();
  });

  it('starts with ADMIN_API_KEY, and then requires a key', async () => {
    const port = await freePort();
    const served = serve({ DATA_DIR: await tempDir(), HOST: '0.0.0.0', PORT: String(port), ADMIN_API_KEY: ADMIN_KEY });
    const health = await waitForHealth(served, port);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy' });
    expect((await fetch(`http://127.0.0.1:${port}/v1/sessions`)).status).toBe(401);
    expect(await stop(served)).toBe(0);
  });

  it('starts without ADMIN_API_KEY once the CLI has created a key in its store', async () => {
    const dir = await tempDir();
    expect(cli(['accounts', 'create', 'acme'], { DATA_DIR: dir }).code).toBe(0);
    const made = cli(['keys', 'create', 'acme'], { DATA_DIR: dir });
    expect(made.code).toBe(0);
    const { key } = JSON.parse(made.stdout) as { key: string };

    const port = await freePort();
    const served = serve({ DATA_DIR: dir, HOST: '0.0.0.0', PORT: String(port) });
    const health = await waitForHealth(served, port);
    expect(health.status).toBe(200);
    const sessions = await fetch(`http://127.0.0.1:${port}/v1/sessions`, { headers: { authorization: `Bearer ${key}` } });
    expect(sessions.status).toBe(200);
    expect(await stop(served)).toBe(0);
  });

  it('rejects an ADMIN_API_KEY that is too short before doing anything else', async () => {
    const served = serve({ DATA_DIR: await tempDir(), HOST: '0.0.0.0', PORT: String(await freePort()), ADMIN_API_KEY: 'short' });
    expect(await exitWithin(served, 20_000)).toBe(2);
    expect(served.stderr()).toMatch(/Invalid configuration/);
    expect(served.stderr()).toMatch(/ADMIN_API_KEY="short": use at least 32 random characters/);
    expect(served.stderr()).not.toMatch(/Refusing to start/);
  });
});
