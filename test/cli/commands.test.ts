import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cli as runCli, freePort } from '../helpers/cli.js';

/**
 * Every command of the built CLI: `--help` exits 0 and says what it does; a wrong argument exits 2
 * with a clear message on stderr (before touching any store). The happy paths of the store
 * commands are in accounts.test.ts and migrate.test.ts; `mock-model`'s is here.
 */

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-cli-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs the built CLI with a private DATA_DIR and nothing else from this environment but PATH. */
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { DATA_DIR: dataDir, ...env }, 30_000);

/** Each command, and a phrase of its description that `--help` must show. */
const COMMANDS: Array<[string[], RegExp]> = [
  [['serve'], /start the HTTP service/],
  [['migrate'], /bring the database .* to the latest schema/s],
  [['accounts'], /manage accounts/],
  [['accounts', 'create'], /create an account/],
  [['accounts', 'list'], /list accounts/],
  [['keys'], /manage API keys/],
  [['keys', 'create'], /create a key for an account/],
  [['keys', 'list'], /list an account’s keys/],
  [['keys', 'revoke'], /revoke a key/],
  [['purge'], /purge sessions idle past their retention/],
  [['stats'], /what the store holds/],
  [['mock-model'], /serve the offline mock model/],
];

/** A wrong use of each command, and what the error must say. */
const WRONG: Array<[string[], RegExp]> = [
  [['serve', 'extra'], /too many arguments for 'serve'/],
  [['migrate', '--nope'], /unknown option '--nope'/],
  [['accounts'], /Usage: claude-agent-api accounts/],
  [['accounts', 'create'], /missing required argument 'name'/],
  [['accounts', 'create', 'acme', '--limit'], /option '--limit <name=value>' argument missing/],
  [['accounts', 'list', 'extra'], /too many arguments for 'list'/],
  [['keys', 'rotate'], /unknown command 'rotate'/],
  [['keys', 'create'], /missing required argument 'account'/],
  [['keys', 'list'], /missing required argument 'account'/],
  [['keys', 'revoke', 'acme'], /missing required argument 'key-id'/],
  [['purge', '--bogus'], /unknown option '--bogus'/],
  [['stats', 'extra-arg'], /too many arguments for 'stats'/],
  [['mock-model', '--port', 'abc'], /option '--port <n>' argument 'abc' is invalid.*whole number in 0\.\.65535/],
  [['mock-model', '--port', '70000'], /argument '70000' is invalid/],
  [['mock-model', '--token-delay', 'soon'], /option '--token-delay <ms>' argument 'soon' is invalid/],
  [['nonsense'], /unknown command 'nonsense'/],
];

describe('every command', () => {
  it('the top-level help lists exactly the commands tested here', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    const listed = [...r.stdout.split(/^Commands:$/m)[1]!.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    const topLevel = [...new Set(COMMANDS.map(([c]) => c[0]))];
    expect(listed.sort()).toEqual(topLevel.sort());
  });

  it.each(COMMANDS)('%j --help exits 0 and describes it', (command, description) => {
    const r = cli([...command, '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Usage: claude-agent-api ${command.join(' ')}`);
    expect(r.stdout).toMatch(description);
  });

  it.each(WRONG)('%j exits 2 with a clear message', (args, message) => {
    const r = cli(args);
    expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(2);
    expect(r.stderr).toMatch(message);
    // Errors go to stderr: stdout stays clean for whatever a script pipes it into.
    expect(r.stdout).toBe('');
  });

  it('a bad MOCK_MODEL_PORT exits 2 too, naming the variable', () => {
    const r = cli(['mock-model'], { MOCK_MODEL_PORT: 'eighty' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MOCK_MODEL_PORT="eighty" is invalid/);
  });
});


describe('mock-model', () => {
  const running: ChildProcess[] = [];
  afterEach(() => {
    for (const p of running.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  });

  /** Starts `mock-model`; resolves with its printed URL (or fails with its stderr if it dies first). */
  function start(args: string[], env: Record<string, string> = {}) {
    const proc = spawn(process.execPath, [CLI, 'mock-model', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(proc);
    let stdout = '';
    let stderr = '';
    proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const url = new Promise<string>((resolve, reject) => {
      proc.stdout!.on('data', (c: Buffer) => {
        stdout += c.toString();
        const line = /^(http:\/\/\S+)\n/.exec(stdout);
        if (line) resolve(line[1]!);
      });
      void exited.then((code) => reject(new Error(`mock-model exited with ${code} before printing its URL:\n${stderr}`)));
      setTimeout(() => reject(new Error(`no URL within 15 s; stderr:\n${stderr}`)), 15_000).unref();
    });
    return { proc, url, exited, stdout: () => stdout, stderr: () => stderr };
  }

  const request = (prompt: string, stream: boolean) => ({
    model: 'claude-test-1',
    max_tokens: 100,
    stream,
    messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }],
  });
  const post = (url: string, body: unknown) =>
    fetch(`${url}/v1/messages?beta=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('serves the Messages API on MOCK_MODEL_PORT, applies --token-delay, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const m = start(['--token-delay', '100'], { MOCK_MODEL_PORT: String(port) });
    const url = await m.url;
    expect(url).toBe(`http://127.0.0.1:${port}`);
    // The URL goes alone on stdout.
    expect(m.stdout()).toBe(`${url}\n`);

    const res = await post(url, request('hello there', false));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test-1',
      content: [{ type: 'text', text: 'Echo: hello there [history: 1 messages]' }],
      stop_reason: 'end_turn',
    });
    // The request is logged on stderr (no --quiet).
    expect(m.stderr()).toMatch(/#1 json step=0 .*-> echo/);

    // Streamed: a 100 ms pause before each word delta of the answer (7 of them).
    const started = Date.now();
    const streamed = await post(url, request('one two three', true));
    expect(streamed.headers.get('content-type')).toMatch(/text\/event-stream/);
    const sse = await streamed.text();
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(sse).toContain('event: message_stop');
    const text = [...sse.matchAll(/"text_delta","text":"((?:[^"\\]|\\.)*)"/g)].map((x) => JSON.parse(`"${x[1]}"`)).join('');
    expect(text).toBe('Echo: one two three [history: 1 messages]');

    m.proc.kill('SIGTERM');
    expect(await m.exited).toBe(0);
    expect(m.stderr()).toContain('SIGTERM: shutting down');
  });

  it('--port wins over MOCK_MODEL_PORT; --quiet logs nothing; SIGINT exits 0 too', async () => {
    const port = await freePort();
    const m = start(['--port', String(port), '--quiet'], { MOCK_MODEL_PORT: '1' });
    expect(await m.url).toBe(`http://127.0.0.1:${port}`);
    expect((await post(await m.url, request('hi', false))).status).toBe(200);
    m.proc.kill('SIGINT');
    expect(await m.exited).toBe(0);
    expect(m.stderr()).toBe('[mock-model] SIGINT: shutting down\n');
  });
});
