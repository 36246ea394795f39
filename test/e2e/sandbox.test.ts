import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { processesWithCmdline, waitFor } from '../helpers/procs.js';
import { createTenant, type Tenant } from '../helpers/tenants.js';
import { streamMessage } from '../helpers/sse.js';

const TOOLS = 'Bash,Read,Write,Edit,Glob,Grep';
const ADMIN_KEY = 'admin-key-never-in-a-sandbox-'.padEnd(48, 'a');
const MODEL_KEY = 'sk-model-key-never-in-a-sandbox-0123456789';
const SECRET = 'tenant-b-secret-7f3a';

/**
 * A hostile tenant with every built-in tool, on the real CLI in the real sandbox: each way out of
 * its session is tried, and every one fails while the server and the other tenant stay healthy.
 */
describe('sandbox escape matrix', () => {
  let t: TestServer;
  let a: Tenant;
  let b: Tenant;
  let sa: string;
  let sb: string;
  let bWorkspace: string;
  let canary: net.Server;
  let canaryHits = 0;
  let canaryPort = 0;

  const bash = async (command: string) => {
    const call = await a.tool(sa, 'Bash', { command, timeout: 60_000 });
    expect(call.name).toBe('Bash');
    expect(call.denied).toBeFalsy();
    return call.result;
  };

  beforeAll(async () => {
    canary = net.createServer((s) => {
      canaryHits++;
      s.end('canary\n');
    });
    await new Promise<void>((r) => canary.listen(0, '127.0.0.1', () => r()));
    canaryPort = (canary.address() as net.AddressInfo).port;
    t = await startTestServer({ CLAUDE_BUILTIN_TOOLS: TOOLS, ADMIN_API_KEY: ADMIN_KEY, ANTHROPIC_API_KEY: MODEL_KEY, APPROVAL_TIMEOUT: '2s', SANDBOX_MEMORY_MB: '2048' });
    expect((await t.json('GET', '/health')).body.sandbox).toEqual({ kind: 'bubblewrap', mode: 'auto' });
    a = await createTenant(t, 'attacker');
    b = await createTenant(t, 'victim');
    sa = await a.newSession();
    sb = await b.newSession();
    // B has run a turn (its process is warm) and keeps a secret in its workspace.
    expect((await b.tool(sb, 'Write', { file_path: 'secret.txt', content: SECRET })).denied).toBeFalsy();
    bWorkspace = t.server.runtime.workspaceOf(b.id, sb);
    expect(existsSync(path.join(bWorkspace, 'secret.txt'))).toBe(true);
    await writeFile(path.join(t.dataDir, 'server-only.txt'), SECRET);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    canary?.close();
  });

  it('Bash sees only its own workspace: no other tenant, no DB, no data dir, no server HOME', async () => {
    const out = await bash(
      [
        `cat ${bWorkspace}/secret.txt`,
        `ls ${path.dirname(bWorkspace)}`,
        `cat ${t.dataDir}/server-only.txt`,
        `for f in ${t.config.databasePath} ${t.config.databasePath}-wal; do test -e $f && echo "DB PRESENT $f"; done`,
        `ls ${t.config.claudeConfigDir}/projects`,
        `ls -a ${process.env.HOME ?? '/root'}`,
        'echo HOME=$HOME; ls -a $HOME',
        'grep -rls --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev --exclude-dir=usr tenant-b-secret / | head -5',
        'echo done',
      ].join('; '),
    );
    expect(out).toContain('done');
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain('DB PRESENT');
    // The workspaces folder shows this session's own workspace only.
    expect(out.split('\n')[1]).toBe(sa);
    expect(out).toContain('HOME=/home/agent');
    // Only this account's transcript folder exists in the CLI config dir.
    expect(out).toMatch(/acct-/);
    expect(out.match(/acct-[\w-]+/g)!.every((k) => k === t.server.runtime.projectKey(a.id))).toBe(true);
  }, 120_000);

  it('Bash finds no secret of ours in env or /proc', async () => {
    const out = await bash('env; for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do tr "\\0" "\\n" < $f; done; echo done');
    expect(out).toContain('done');
    // On PostgreSQL (the postgres project) the database URL is a secret too.
    const dbUrl = t.config.postgres?.url;
    for (const secret of [ADMIN_KEY, MODEL_KEY, 'test-key', ...(dbUrl ? [dbUrl, new URL(dbUrl).host] : [])]) expect(out).not.toContain(secret);
    expect(out).toContain('ANTHROPIC_API_KEY=caa-proc-'); // its own process token, useless elsewhere
  }, 120_000);

  it('Bash cannot write outside the workspace; inside it can', async () => {
    const out = await bash(
      [
        `echo x > ${t.dataDir}/pwned`,
        `echo x > ${bWorkspace}/pwned`,
        'echo x > /usr/pwned',
        'echo x > /etc/pwned',
        'echo x > mine.txt && echo WROTE-MINE',
        'echo done',
      ].join('; ') + ' 2>&1',
    );
    expect(out).toContain('WROTE-MINE');
    for (const p of [path.join(t.dataDir, 'pwned'), path.join(bWorkspace, 'pwned'), '/usr/pwned', '/etc/pwned']) expect(existsSync(p)).toBe(false);
    expect(existsSync(path.join(t.server.runtime.workspaceOf(a.id, sa), 'mine.txt'))).toBe(true);
  }, 120_000);

  it('Bash reaches neither the server’s port nor another loopback service', async () => {
    const port = new URL(t.url).port;
    const out = await bash(
      [
        `(exec 3<>/dev/tcp/127.0.0.1/${port} && echo SERVER-REACHED) 2>&1`,
        `(exec 3<>/dev/tcp/127.0.0.1/${canaryPort} && echo CANARY-REACHED) 2>&1`,
        `(exec 3<>/dev/tcp/${new URL(t.mock.url).hostname}/${new URL(t.mock.url).port} && echo MODEL-REACHED) 2>&1`,
        'echo done',
      ].join('; '),
    );
    expect(out).toContain('done');
    expect(out).not.toMatch(/SERVER-REACHED|CANARY-REACHED|MODEL-REACHED/);
    expect(canaryHits).toBe(0);
  }, 120_000);

  it('the gateway bridge refuses a request without this process’s token', async () => {
    const before = t.mock.requests.length;
    const raw = (key: string) =>
      `(exec 3<>/dev/tcp/127.0.0.1/8790; printf 'POST /v1/messages HTTP/1.1\\r\\nHost: x\\r\\nx-api-key: ${key}\\r\\ncontent-type: application/json\\r\\ncontent-length: 2\\r\\nconnection: close\\r\\n\\r\\n{}' >&3; head -1 <&3)`;
    const out = await bash(`${raw('bogus')}; ${raw('caa-proc-guessed')}; echo done`);
    expect(out.match(/HTTP\/1\.1 401/g)).toHaveLength(2);
    expect(t.mock.requests.length).toBe(before + 2); // only this turn's own two model calls
  }, 120_000);

  it('Bash cannot see or signal another session’s process', async () => {
    const victimPid = (await t.json('GET', '/v1/runtime', undefined, { authorization: `Bearer ${ADMIN_KEY}` })).body.sessions.find(
      (s: { id: string }) => s.id === sb,
    ).pid as number;
    const out = await bash(`ps -eo pid,comm --no-headers | wc -l; kill -9 ${victimPid} 2>&1; echo done`);
    expect(out).toContain('done');
    expect(Number(out.trim().split('\n')[0])).toBeLessThan(12); // only the sandbox's own few
    // Signalling every process it can: only its own sandbox dies (its turn fails, the session recovers).
    const s = await a.newSession();
    await a.say(s, `MOCK tool Bash ${JSON.stringify({ command: 'kill -9 -1; sleep 5' })}`);
    expect(() => process.kill(victimPid, 0)).not.toThrow();
    expect((await b.say(sb, 'still here?')).status).toBe('succeeded');
    expect((await a.say(s, 'recovered?')).status).toBe('succeeded');
  }, 120_000);

  it('an approval tool applies to reads inside the workspace too (every call reaches the gate)', async () => {
    // `kill -9 -1` above may have ended the attacker's own CLI; a new session starts fresh anyway.
    const s = await a.newSession({ approval_tools: ['Read'] });
    await writeFile(path.join(t.server.runtime.workspaceOf(a.id, s), 'x.txt'), 'inside').catch(async () => {
      await mkdir(t.server.runtime.workspaceOf(a.id, s), { recursive: true });
      await writeFile(path.join(t.server.runtime.workspaceOf(a.id, s), 'x.txt'), 'inside');
    });
    const r = await t.json('POST', `/v1/sessions/${s}/messages`, { message: `MOCK tool Read {"file_path":"x.txt"}`, stream: false }, a.headers);
    // Nobody answers within the test's approval timeout; the call is held for a person, not run.
    expect(r.status).toBe(200);
    expect(r.body.tool_calls[0]).toMatchObject({ name: 'Read', denied: true });
    expect(r.body.tool_calls[0].result).toMatch(/Nobody approved/);
  }, 120_000);

  it('the file tools refuse other tenants, the data dir, `~` and `..` globs (denied calls, the turn goes on)', async () => {
    const s = await a.newSession();
    const attempts: Array<[string, Record<string, unknown>]> = [
      ['Read', { file_path: path.join(bWorkspace, 'secret.txt') }],
      ['Read', { file_path: t.config.databasePath }],
      ['Read', { file_path: '~/.claude.json' }],
      ['Read', { file_path: '~root/.bashrc' }],
      ['Write', { file_path: path.join(bWorkspace, 'pwned'), content: 'x' }],
      ['Write', { file_path: '../pwned', content: 'x' }],
      ['Edit', { file_path: path.join(bWorkspace, 'secret.txt'), old_string: SECRET, new_string: 'gone' }],
      ['Glob', { pattern: '*', path: path.dirname(bWorkspace) }],
      ['Glob', { pattern: '../*/secret.txt' }],
      ['Glob', { pattern: `${path.dirname(bWorkspace)}/*/secret.txt` }],
      ['Grep', { pattern: 'secret', path: '~' }],
      ['Grep', { pattern: 'secret', path: t.config.claudeConfigDir }],
      ['Grep', { pattern: 'secret', path: '..' }],
    ];
    for (const [tool, input] of attempts) {
      const turn = await a.say(s, `MOCK tool ${tool} ${JSON.stringify(input)}`);
      expect(turn.status, `${tool} ${JSON.stringify(input)}`).toBe('succeeded');
      // Refused by the gate; a file the sandbox hides may also fail earlier, in the CLI's own checks.
      expect(turn.tool_calls[0], `${tool} ${JSON.stringify(input)}`).toMatchObject({ name: tool, is_error: true });
      expect(turn.tool_calls[0].result).not.toContain(SECRET);
    }
    expect(existsSync(path.join(bWorkspace, 'pwned'))).toBe(false);
  }, 300_000);

  it('no process outlives its session: setsid, nohup and double forks die with it', async () => {
    const s = await a.newSession();
    const marker = `sleep 7${Math.floor(Math.random() * 1e6)}`;
    await a.tool(s, 'Bash', {
      command: `setsid ${marker} >/dev/null 2>&1 < /dev/null & nohup ${marker} >/dev/null 2>&1 & (sh -c '${marker} >/dev/null 2>&1 &' &) ; echo started`,
      timeout: 30_000,
    });
    expect((await waitFor(() => processesWithCmdline(marker), (p) => p.length >= 3)).length).toBeGreaterThanOrEqual(3);
    expect((await t.request('DELETE', `/v1/sessions/${s}`, undefined, a.headers)).status).toBe(204);
    expect(await waitFor(() => processesWithCmdline(marker), (p) => p.length === 0, 20_000)).toEqual([]);
    expect(existsSync(t.server.runtime.workspaceOf(a.id, s))).toBe(false); // the workspace went too
  }, 120_000);

  it('a fork flood and a memory hog hit the limits; the server and the other tenant stay healthy', async () => {
    const s = await a.newSession();
    const flood = await a.tool(s, 'Bash', {
      command: `python3 -c "
import os, signal
n = 0
try:
    while n < 100000:
        if os.fork() == 0:
            signal.pause()
        n += 1
except OSError as e:
    print('fork refused after', n, e.strerror)
"`,
      timeout: 60_000,
    });
    expect(flood.result).toMatch(/fork refused after \d+ Resource temporarily unavailable/);
    expect(Number(/after (\d+)/.exec(flood.result)![1])).toBeLessThan(300);
    // The flood's paused children hold the sandbox's process slots until it ends; another session is unaffected.
    const s2 = await a.newSession();
    // Touches every page it takes (real memory, not just reservations) until the limit stops it.
    const hog = await a.tool(s2, 'Bash', {
      command: `python3 -c "
chunks = []
try:
    while len(chunks) < 64:
        chunks.append(b'x' * (128 << 20))
    print('no limit: held', len(chunks) * 128, 'MiB')
except MemoryError:
    print('MemoryError after', len(chunks) * 128, 'MiB')
"`,
      timeout: 60_000,
    });
    expect(hog.result).toMatch(/MemoryError after \d+ MiB/);
    expect(Number(/after (\d+)/.exec(hog.result)![1])).toBeLessThanOrEqual(2048);
    expect((await t.json('GET', '/health')).status).toBe(200);
    expect((await b.say(sb, 'are you ok?')).status).toBe('succeeded');
    // Deleting the session takes its paused children along.
    expect((await t.request('DELETE', `/v1/sessions/${s}`, undefined, a.headers)).status).toBe(204);
    expect(await waitFor(() => processesWithCmdline('signal.pause()'), (p) => p.length === 0, 20_000)).toEqual([]);
  }, 180_000);
});

describe('sandboxed agents: the positive path', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ CLAUDE_BUILTIN_TOOLS: TOOLS });
  }, 60_000);
  afterAll(() => t?.close());

  const tool = async (s: string, name: string, input: Record<string, unknown>) => {
    const r = await t.json('POST', `/v1/sessions/${s}/messages`, { message: `MOCK tool ${name} ${JSON.stringify(input)}` });
    expect(r.status).toBe(200);
    if (!r.body.tool_calls?.[0]) console.log(JSON.stringify(r.body));
    expect(r.body.tool_calls[0], `${name} ${JSON.stringify(input)}`).toMatchObject({ name });
    expect(r.body.tool_calls[0].denied, r.body.tool_calls[0].result).toBeFalsy();
    return r.body.tool_calls[0].result as string;
  };

  it('Write, Read, Edit, Glob, Grep and Bash work in the workspace across turns; a fork sees the files', async () => {
    const s = (await t.json('POST', '/v1/sessions', {})).body.id as string;
    const ws = t.server.runtime.workspaceOf('local', s);
    await tool(s, 'Write', { file_path: path.join(ws, 'notes.md'), content: 'alpha\nbeta\n' });
    expect(await tool(s, 'Read', { file_path: 'notes.md' })).toContain('beta');
    await tool(s, 'Edit', { file_path: path.join(ws, 'notes.md'), old_string: 'beta', new_string: 'gamma' });
    expect(await tool(s, 'Glob', { pattern: '*.md' })).toContain('notes.md');
    expect(await tool(s, 'Grep', { pattern: 'gamma', path: '.' })).toContain('notes.md');
    expect(await tool(s, 'Bash', { command: 'cat notes.md; mkdir -p sub && echo deep > sub/d.txt && echo ok' })).toMatch(/alpha\ngamma[\s\S]*ok/);
    expect(await tool(s, 'Bash', { command: 'cat sub/d.txt' })).toContain('deep');
    // A failing command's result leads with its exit code (the web chat's Bash card reads it), then stdout and stderr.
    expect(await tool(s, 'Bash', { command: 'echo to-out; echo to-err >&2; exit 3' })).toMatch(/^Exit code 3\n[\s\S]*to-out[\s\S]*to-err/);

    const fork = await t.json('POST', `/v1/sessions/${s}/fork`, {});
    expect(fork.status).toBe(201);
    const f = fork.body.id as string;
    expect(t.server.runtime.workspaceOf('local', f)).not.toBe(ws);
    expect(await tool(f, 'Bash', { command: 'cat notes.md sub/d.txt; echo forked > notes.md' })).toMatch(/gamma[\s\S]*deep/);
    // The fork's writes are its own.
    expect(await tool(s, 'Read', { file_path: 'notes.md' })).toContain('gamma');
    expect((await t.request('DELETE', `/v1/sessions/${f}`)).status).toBe(204);
    expect(existsSync(t.server.runtime.workspaceOf('local', f))).toBe(false);
    expect(await readdir(ws)).toContain('notes.md');
  }, 240_000);

  it('an approver’s updated_input goes through the same checks as the model’s', async () => {
    const s = (await t.json('POST', '/v1/sessions', { approval_tools: ['Write'] })).body.id as string;
    const outside = path.join(t.dataDir, 'approved-escape.txt');
    let decided: Promise<{ status: number }> | undefined;
    const { events } = await streamMessage(t.url, s, { message: 'MOCK tool Write {"file_path":"ok.txt","content":"fine"}' }, {
      onEvent: (e) => {
        if (e.event === 'permission.requested') {
          decided = t.json('POST', `/v1/sessions/${s}/permissions/${e.data.request_id}`, { decision: 'allow', updated_input: { file_path: outside, content: 'x' } });
        }
      },
    });
    expect((await decided!).status).toBe(200);
    const turn = events.at(-1)!.data.turn;
    expect(turn.status).toBe('succeeded');
    expect(turn.tool_calls[0]).toMatchObject({ name: 'Write', denied: true });
    expect(turn.tool_calls[0].result).toMatch(/approved input was refused/);
    expect(existsSync(outside)).toBe(false);
  }, 120_000);
});

describe('no sandbox available', () => {
  it('SANDBOX=auto without bwrap: the server starts, says why in /health and /ready, and refuses built-in tools', async () => {
    const t = await startTestServer({ CLAUDE_BUILTIN_TOOLS: 'Bash,Read', SANDBOX_BWRAP_PATH: '/nonexistent/bwrap' });
    try {
      const health = (await t.json('GET', '/health')).body;
      expect(health.sandbox).toMatchObject({ kind: 'none', mode: 'auto' });
      expect(health.sandbox.warning).toContain('apt-get install bubblewrap');
      const ready = await t.json('GET', '/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.sandbox.warning).toContain('apt-get install bubblewrap');
      const s = (await t.json('POST', '/v1/sessions', {})).body.id as string;
      const r = await t.json('POST', `/v1/sessions/${s}/messages`, { message: 'MOCK tool Bash {"command":"echo should-not-run"}' });
      expect(r.status).toBe(200);
      expect(r.body.status).toBe('succeeded');
      expect(r.body.tool_calls[0]).toMatchObject({ name: 'Bash', denied: true });
      expect(r.body.tool_calls[0].result).toContain('sandbox_unavailable');
      expect(r.body.tool_calls[0].result).not.toContain('should-not-run\n');
      // Turns without tools still work.
      expect((await t.json('POST', `/v1/sessions/${s}/messages`, { message: 'hello' })).body.response_text).toContain('Echo: hello');
    } finally {
      await t.close();
    }
  }, 120_000);

  it('SANDBOX=required without bwrap refuses to start', async () => {
    await expect(startTestServer({ SANDBOX: 'required', SANDBOX_BWRAP_PATH: '/nonexistent/bwrap' })).rejects.toThrow(/SANDBOX=required/);
  }, 60_000);

  it('SANDBOX=off warns in /health', async () => {
    const t = await startTestServer({ SANDBOX: 'off' });
    try {
      expect((await t.json('GET', '/health')).body.sandbox).toMatchObject({ kind: 'off', warning: expect.stringContaining('unsandboxed') });
    } finally {
      await t.close();
    }
  }, 60_000);
});
