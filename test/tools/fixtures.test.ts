/** Proves the end-to-end MCP fixtures work by calling their tools with the real MCP client. */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { startHttpMcpServer } from '../fixtures/mcp-http-server.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const stdioFixture = fileURLToPath(new URL('../fixtures/mcp-stdio-server.ts', import.meta.url));

describe('MCP fixtures', () => {
  it('stdio fixture: add(a, b) returns the sum', async () => {
    // cwd = repo root so `--import tsx` resolves from this project's node_modules.
    const transport = new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', stdioFixture], cwd: repoRoot });
    const client = new Client({ name: 'fixture-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['add']);
      const r = (await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } })) as CallToolResult;
      expect(r.content).toEqual([{ type: 'text', text: '42' }]);
    } finally {
      await client.close();
    }
  });

  it('http fixture: shout(text) returns upper case', async () => {
    const server = await startHttpMcpServer();
    const client = new Client({ name: 'fixture-test', version: '1.0.0' });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['shout']);
      const r = (await client.callTool({ name: 'shout', arguments: { text: 'hello mcp' } })) as CallToolResult;
      expect(r.content).toEqual([{ type: 'text', text: 'HELLO MCP' }]);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
