import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpMcpServer, type HttpMcpServer } from '../fixtures/mcp-http-server.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** External MCP servers named in MCP_CONFIG reach the agent: a real stdio server and a real HTTP one. */
describe('external MCP servers from MCP_CONFIG', () => {
  let t: TestServer;
  let httpMcp: HttpMcpServer;

  beforeAll(async () => {
    httpMcp = await startHttpMcpServer();
    const file = path.join(os.tmpdir(), `caa-mcp-${process.pid}.json`);
    await writeFile(
      file,
      JSON.stringify({
        servers: {
          calc: {
            type: 'stdio',
            command: process.execPath,
            // The CLI starts it from the account's workspace, so every path is absolute.
            args: ['--import', path.join(ROOT, 'node_modules/tsx/dist/loader.mjs'), path.join(ROOT, 'test/fixtures/mcp-stdio-server.ts')],
            allowed_tools: ['add'],
          },
          loud: { type: 'http', url: httpMcp.url, allowed_tools: ['*'] },
        },
      }),
    );
    // The stdio server's code is bound read-only into the sandbox; nothing else of the checkout is.
    t = await startTestServer({ MCP_CONFIG: file, SANDBOX_READONLY_PATHS: ['node_modules', 'test/fixtures', 'package.json'].map((p) => path.join(ROOT, p)).join(',') });
  });
  afterAll(async () => {
    await t.close();
    await httpMcp.close();
  });

  it('calls a tool of a stdio MCP server', async () => {
    const { body } = await t.json('POST', '/chat', { message: 'MOCK tool add {"a": 2, "b": 40}' });
    expect(body.is_error).toBe(false);
    expect(body.tool_calls).toEqual([{ tool_name: 'mcp__calc__add', tool_input: { a: 2, b: 40 }, tool_result: '42', is_error: false }]);
    expect(body.response_text).toContain('Tool add returned: 42');
  });

  it('calls a tool of an HTTP MCP server allowed with "*"', async () => {
    const { body } = await t.json('POST', '/chat', { message: 'MOCK tool shout {"text": "hello"}' });
    expect(body.is_error).toBe(false);
    expect(body.tool_calls[0]).toMatchObject({ tool_name: 'mcp__loud__shout', tool_result: 'HELLO' });
  });

  it('offers the model only the configured tools', async () => {
    const body = t.mock.requests.at(-1)!.body as { tools: { name: string }[] };
    expect(body.tools.map((x) => x.name).sort()).toEqual(['mcp__calc__add', 'mcp__loud__shout', 'mcp__weather__get_weather']);
  });
});
