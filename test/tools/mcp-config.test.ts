import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMcpConfig, McpConfigError } from '../../src/tools/mcp-config.js';

let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-config-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(content: unknown): Promise<string> {
  const path = join(dir, `config-${n++}.json`);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

/** Loads `content` and returns the McpConfigError it must throw. */
async function failure(content: unknown): Promise<McpConfigError> {
  const path = await file(content);
  const err = await loadMcpConfig(path).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(McpConfigError);
  const e = err as McpConfigError;
  expect(e.message).toContain(path);
  expect(e.file).toBe(path);
  return e;
}

const stdio = { type: 'stdio', command: 'node', allowed_tools: ['add'] };

describe('loadMcpConfig', () => {
  it('loads stdio and http servers into SDK configs', async () => {
    const path = await file({
      servers: {
        calc: { type: 'stdio', command: 'node', args: ['server.js'], env: { TOKEN: 'x' }, allowed_tools: ['add', 'sub'], timeout_ms: 5000 },
        'web-1': { type: 'http', url: 'http://127.0.0.1:9/mcp', headers: { Authorization: 'Bearer y' }, allowed_tools: ['*'], always_load: true, require_approval: true },
        min: { type: 'stdio', command: 'x', allowed_tools: ['t.v-1'], require_approval: ['t.v-1'] },
      },
    });
    expect(await loadMcpConfig(path)).toEqual({
      servers: {
        calc: {
          config: { type: 'stdio', command: 'node', args: ['server.js'], env: { TOKEN: 'x' }, timeout: 5000 },
          allowedTools: ['add', 'sub'],
          requireApproval: [],
        },
        'web-1': {
          config: { type: 'http', url: 'http://127.0.0.1:9/mcp', headers: { Authorization: 'Bearer y' }, alwaysLoad: true },
          allowedTools: '*',
          requireApproval: '*',
        },
        min: { config: { type: 'stdio', command: 'x', args: [], env: {} }, allowedTools: ['t.v-1'], requireApproval: ['t.v-1'] },
      },
    });
  });

  it('accepts an empty server map and a UTF-8 BOM', async () => {
    expect(await loadMcpConfig(await file('\uFEFF{"servers":{}}'))).toEqual({ servers: {} });
  });

  it('names the file when it cannot be read', async () => {
    const missing = join(dir, 'nope.json');
    await expect(loadMcpConfig(missing)).rejects.toThrow(`Cannot read MCP config ${missing}: file not found`);
    const sub = join(dir, 'a-dir');
    await mkdir(sub);
    await expect(loadMcpConfig(sub)).rejects.toThrow(/it is a directory/);
    if (process.getuid?.() !== 0) { // root can read anything
      const locked = await file('{}');
      await chmod(locked, 0o000);
      await expect(loadMcpConfig(locked)).rejects.toThrow(/permission denied/);
    }
  });

  it('reports invalid JSON', async () => {
    const e = await failure('{\n  "servers": {\n    "a": 1,\n  }\n}');
    expect(e.message).toMatch(/is not valid JSON: .*\(line 4, column 3\)$/);
  });

  it.each([
    ['a missing field', { servers: { calc: { type: 'stdio', allowed_tools: ['a'] } } }, '$.servers.calc.command'],
    ['an unknown type', { servers: { calc: { ...stdio, type: 'sse' } } }, '$.servers.calc.type: type must be "stdio" or "http"'],
    ['a missing type', { servers: { calc: { command: 'x', allowed_tools: ['a'] } } }, '$.servers.calc.type'],
    ['a non-object server', { servers: { calc: 'node x' } }, '$.servers.calc: a server must be an object'],
    ['an unknown field (typo)', { servers: { calc: { ...stdio, allowedTools: ['a'] } } }, '$.servers.calc.allowedTools: unknown field'],
    ['an unknown top-level field', { servers: {}, version: 2 }, '$.version: unknown field'],
    ['a missing servers map', {}, '$.servers'],
    ['a bad arg', { servers: { calc: { ...stdio, args: ['ok', 3] } } }, '$.servers.calc.args[1]'],
    ['a non-http url', { servers: { w: { type: 'http', url: 'ftp://x', allowed_tools: ['a'] } } }, '$.servers.w.url: must be an absolute http:// or https:// URL'],
    ['a relative url', { servers: { w: { type: 'http', url: '/mcp', allowed_tools: ['a'] } } }, '$.servers.w.url'],
    ['a bad header name', { servers: { w: { type: 'http', url: 'http://x', headers: { 'a b': 'v' }, allowed_tools: ['a'] } } }, '$.servers.w.headers["a b"]'],
    ['a missing allowed_tools', { servers: { calc: { type: 'stdio', command: 'x' } } }, '$.servers.calc.allowed_tools'],
    ['an empty allowed_tools', { servers: { calc: { ...stdio, allowed_tools: [] } } }, '$.servers.calc.allowed_tools: list at least one tool'],
    ['"*" mixed with names', { servers: { calc: { ...stdio, allowed_tools: ['add', '*'] } } }, '$.servers.calc.allowed_tools[1]: "*" must be the only entry'],
    ['a prefixed tool name', { servers: { calc: { ...stdio, allowed_tools: ['mcp__calc__add', 'a b'] } } }, '$.servers.calc.allowed_tools[1]'],
    ['a duplicate tool', { servers: { calc: { ...stdio, allowed_tools: ['add', 'add'] } } }, '$.servers.calc.allowed_tools[1]: "add" is listed twice'],
    ['a too-small timeout', { servers: { calc: { ...stdio, timeout_ms: 10 } } }, '$.servers.calc.timeout_ms'],
    ['a bad server key', { servers: { 'my server': stdio } }, '$.servers["my server"]: server key must be 1-64 of A-Z a-z 0-9 _ -'],
    ['a too-long server key', { servers: { ['k'.repeat(65)]: stdio } }, `$.servers.${'k'.repeat(65)}: server key must be 1-64`],
    ['a "__" in the server key', { servers: { a__b: stdio } }, '$.servers.a__b: server key must not contain "__"'],
    ['a too-long full tool name', { servers: { ['k'.repeat(64)]: { ...stdio, allowed_tools: ['t'.repeat(60)] } } }, `$.servers.${'k'.repeat(64)}.allowed_tools[0]: mcp__${'k'.repeat(64)}__${'t'.repeat(60)} is longer than 128 characters`],
  ])('rejects %s, naming the JSON path', async (_label, content, expected) => {
    const e = await failure(content);
    expect(e.message).toContain(`at ${expected}`);
    expect(e.issues.length).toBeGreaterThan(0);
  });

  it('reserves the weather key, in any case', async () => {
    for (const key of ['weather', 'Weather']) {
      const e = await failure({ servers: { [key]: stdio } });
      expect(e.message).toContain(`at $.servers.${key}: server key "weather" is reserved for the built-in weather tool`);
    }
  });

  it('lists every problem, not just the first', async () => {
    const e = await failure({ servers: { weather: stdio, calc: { type: 'stdio', allowed_tools: [] } } });
    expect(e.issues.map((i) => i.path).sort()).toEqual(['$.servers.calc.allowed_tools', '$.servers.calc.command', '$.servers.weather']);
  });
});
