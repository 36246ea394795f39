import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { testSchema } from '../helpers/schemas.js';

const DB_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('claude-agent-api migrate', () => {
  const schema = testSchema(`cli_${process.pid}`);
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    const admin = new pg.Client({ connectionString: DB_URL });
    await admin.connect();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  it('migrates a new SQLite file, then finds it up to date', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'caa-cli-'));
    dirs.push(dir);
    const first = cli(['migrate'], { DATA_DIR: dir });
    expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(/^applied 0001_initial, .*0005_accounts, 0006_sandbox_policy, 0007_openai_conversations, 0010_model_calls to .*agent-api\.db\n$/) });
    expect(cli(['migrate'], { DATA_DIR: dir })).toMatchObject({ code: 0, stdout: expect.stringMatching(/is up to date/) });
  });

  it('migrates a PostgreSQL schema (creating it) from DATABASE_URL', () => {
    const env = { DATABASE_URL: DB_URL, DATABASE_SCHEMA: schema };
    expect(cli(['migrate'], env)).toMatchObject({ code: 0, stdout: expect.stringMatching(`to PostgreSQL schema ${schema}`) });
    expect(cli(['migrate'], env)).toMatchObject({ code: 0, stdout: expect.stringMatching(/is up to date/) });
  });

  it('fails with a clear message and a non-zero exit on bad input', () => {
    const down = cli(['migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/ECONNREFUSED/);
    const badConfig = cli(['migrate'], { DATABASE_URL: 'mysql://x' });
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/DATABASE_URL/);
    const unknown = cli(['frob'], {});
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown command 'frob'/);
    expect(cli(['migrate', '--help'], {})).toMatchObject({ code: 0, stdout: expect.stringMatching(/latest schema/) });
  });
});
