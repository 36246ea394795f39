import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cli, freePort, serve as startServe, stop, waitForHealth, type Served } from '../helpers/cli.js';
import { testSchema } from '../helpers/schemas.js';

const DB_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const KEY_SHAPE = /^caa_[A-Za-z0-9_-]{43}$/;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Runs the CLI, insists it succeeded (showing stderr if not), and parses its JSON output. */
function cliJson(args: string[], env: Record<string, string>): any {
  const r = cli(args, env);
  expect(r.code, `claude-agent-api ${args.join(' ')}: ${r.stderr}`).toBe(0);
  // The one note on stderr: the first key ending keyless mode says where its sessions went.
  expect(r.stderr.replace(/^(Keyless mode has ended: |This key reaches the sessions).*\n/, '')).toBe('');
  return JSON.parse(r.stdout);
}


/** `claude-agent-api serve` as a real process; every one is stopped in afterEach, even after a failure. */
const servers: Served[] = [];
const serve = (env: Record<string, string>) => {
  const served = startServe(env);
  servers.push(served);
  return served;
};

/**
 * The operator's whole flow on one store: account with limits, key, listing, revoking, then the
 * retention commands on the (still empty) store. `env` picks the store (DATA_DIR or DATABASE_URL).
 */
function happyPath(env: Record<string, string>) {
  const account = cliJson(['accounts', 'create', 'acme', '--limit', 'daily_budget_usd=5', '--limit', 'max_sessions=10'], env);
  expect(account).toMatchObject({ id: expect.any(String), name: 'acme' });
  expect(account.limits).toMatchObject({ daily_budget_usd: 5, max_sessions: 10, monthly_budget_usd: null });

  const list = cliJson(['accounts', 'list'], env);
  expect(list).toEqual([account]);

  const created = cliJson(['keys', 'create', 'acme', '--name', 'ci'], env);
  expect(created.key).toMatch(KEY_SHAPE);
  expect(created).toMatchObject({ account_id: account.id, name: 'ci', prefix: created.key.slice(0, 12), revoked_at: null });

  // Listing shows the record, never the secret or its hash.
  const keys = cliJson(['keys', 'list', 'acme'], env);
  expect(keys).toHaveLength(1);
  expect(keys[0]).toMatchObject({ id: created.id, prefix: created.prefix, name: 'ci', revoked_at: null });
  expect(keys[0]).not.toHaveProperty('key');
  expect(keys[0]).not.toHaveProperty('hash');
  expect(JSON.stringify(keys)).not.toContain(created.key);

  // The account may be named by id as well as by name.
  const revoked = cliJson(['keys', 'revoke', account.id, created.id], env);
  expect(revoked).toMatchObject({ id: created.id, revoked_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  expect(cliJson(['keys', 'list', 'acme'], env)[0].revoked_at).toBe(revoked.revoked_at);

  // RETENTION_DAYS comes from the environment, as the server's would.
  expect(cliJson(['stats'], env)).toEqual({
    sessions: 0,
    turns: 0,
    entries: 0,
    bytes: 0,
    oldest_activity_at: null,
    due_for_purge: 0,
    retention_days: 7,
  });
  const empty = { sessions: 0, turns: 0, events: 0, entries: 0, bytes: 0, local_files: 0, session_ids: [] };
  expect(cliJson(['purge', '--dry-run'], env)).toEqual({ dry_run: true, ...empty });
  expect(cliJson(['purge'], env)).toEqual({ dry_run: false, ...empty });
  return account;
}

describe('claude-agent-api accounts / keys / stats / purge', () => {
  // This run's own schema (see helpers/schemas.ts), dropped here as well so each test starts empty.
  const schema = testSchema(`cliacct_${process.pid}`);
  const dropSchema = async () => {
    const admin = new pg.Client({ connectionString: DB_URL });
    await admin.connect();
    try {
      await admin.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
    } finally {
      await admin.end();
    }
  };
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'caa-cliacct-'));
    dirs.push(dir);
    return dir;
  };

  afterEach(async () => {
    await Promise.all(servers.splice(0).map(stop));
  });
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    await dropSchema();
  });

  it('manages accounts and keys on a new SQLite store', async () => {
    happyPath({ DATA_DIR: await tempDir(), RETENTION_DAYS: '7' });
  });

  it('keys create local: the implicit account of keyless mode gets its first key, with a note', async () => {
    const env = { DATA_DIR: await tempDir() };
    const r = cli(['keys', 'create', 'local', '--name', 'laptop'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ account_id: 'local', name: 'laptop', key: expect.stringMatching(KEY_SHAPE) });
    expect(r.stderr).toContain('reaches the sessions created without a key');
    // A second key for it goes to the same account.
    expect(cliJson(['keys', 'create', 'local'], env).account_id).toBe('local');
    expect(cliJson(['accounts', 'list'], env)).toEqual([expect.objectContaining({ id: 'local', name: 'local' })]);
  });

  it('refuses wrong arguments (exit 2) and reports domain errors (exit 1), changing nothing', async () => {
    const env = { DATA_DIR: await tempDir() };
    const acme = cliJson(['accounts', 'create', 'acme'], env);

    const noName = cli(['accounts', 'create'], env);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/missing required argument 'name'/);
    const badName = cli(['accounts', 'create', ' bad name!'], env);
    expect(badName).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/invalid account name/) });

    const malformed = cli(['accounts', 'create', 'x', '--limit', 'bogus'], env);
    expect(malformed).toMatchObject({ code: 2, stdout: '' });
    expect(malformed.stderr).toMatch(/--limit expects name=number, got "bogus"/);

    // The pattern only takes unsigned numbers, so a negative budget never reaches the schema.
    const negative = cli(['accounts', 'create', 'x', '--limit', 'daily_budget_usd=-1'], env);
    expect(negative).toMatchObject({ code: 2, stdout: '' });
    expect(negative.stderr).toMatch(/--limit .*daily_budget_usd=-1/);

    const unknownLimit = cli(['accounts', 'create', 'x', '--limit', 'nope=3'], env);
    expect(unknownLimit).toMatchObject({ code: 2, stdout: '' });
    expect(unknownLimit.stderr).toMatch(/invalid --limit.*nope/);

    const zero = cli(['accounts', 'create', 'x', '--limit', 'max_sessions=0'], env);
    expect(zero).toMatchObject({ code: 2, stdout: '' });
    expect(zero.stderr).toMatch(/invalid --limit: max_sessions/);

    const taken = cli(['accounts', 'create', 'acme'], env);
    expect(taken).toMatchObject({ code: 1, stdout: '' });
    expect(taken.stderr).toMatch(/account named acme already exists/);

    const nobody = cli(['keys', 'create', 'nobody'], env);
    expect(nobody).toMatchObject({ code: 1, stdout: '' });
    expect(nobody.stderr).toMatch(/No account with id "nobody"/);

    const noKey = cli(['keys', 'revoke', 'acme', NIL_UUID], env);
    expect(noKey).toMatchObject({ code: 1, stdout: '' });
    expect(noKey.stderr).toMatch(new RegExp(`No api_key with id "${NIL_UUID}"`));

    // None of the refused commands left an account or a key behind.
    expect(cliJson(['accounts', 'list'], env)).toEqual([acme]);
    expect(cliJson(['keys', 'list', 'acme'], env)).toEqual([]);
  });

  it('manages accounts and keys in a new PostgreSQL schema', async () => {
    await dropSchema(); // a leftover from a killed run with the same pid would not be "new"
    const env = { DATABASE_URL: DB_URL, DATABASE_SCHEMA: schema, RETENTION_DAYS: '7' };
    happyPath(env);
    // The second run sees the first one's data: it went to the schema, not to a local file.
    const taken = cli(['accounts', 'create', 'acme'], env);
    expect(taken).toMatchObject({ code: 1, stderr: expect.stringMatching(/account named acme already exists/) });
  });

  it('makes keys the real server accepts, and stops accepting once revoked', async () => {
    const dir = await tempDir();
    const env = { DATA_DIR: dir };
    cliJson(['accounts', 'create', 'acme'], env);
    const revoked = cliJson(['keys', 'create', 'acme', '--name', 'old'], env);
    cliJson(['keys', 'revoke', 'acme', revoked.id], env);
    const live = cliJson(['keys', 'create', 'acme', '--name', 'live'], env);

    const port = await freePort();
    // No ANTHROPIC_API_KEY: the server answers from its offline demo model, which is all we need.
    const server = serve({ DATA_DIR: dir, HOST: '127.0.0.1', PORT: String(port) });
    await waitForHealth(server, port);
    const sessions = (key?: string) =>
      fetch(`http://127.0.0.1:${port}/v1/sessions`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

    // A key exists in the store, so even on loopback a request without one is refused.
    const anonymous = await sessions();
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthorized' } });

    const old = await sessions(revoked.key);
    expect(old.status).toBe(401);
    expect(await old.json()).toMatchObject({ error: { code: 'api_key_revoked' } });

    const ok = await sessions(live.key);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ sessions: [], next_cursor: null });

    expect(await stop(server)).toBe(0);
  });
});
