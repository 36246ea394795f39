import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpSdkServerConfigWithInstance } from '@anthropic-ai/claude-agent-sdk';
import { describe, expect, it } from 'vitest';
import type { McpConfig } from '../../src/tools/mcp-config.js';
import { buildToolRegistry } from '../../src/tools/registry.js';
import type { WeatherOptions } from '../../src/tools/weather.js';

const weather: WeatherOptions = { fetch, geocodingUrl: 'http://127.0.0.1:9', forecastUrl: 'http://127.0.0.1:9', timeoutMs: 1000 };

const external: McpConfig = {
  servers: {
    calc: { config: { type: 'stdio', command: 'node', args: ['calc.js'], env: {} }, allowedTools: ['add', 'sub'], requireApproval: ['sub'] },
    web: { config: { type: 'http', url: 'http://127.0.0.1:9/mcp', headers: {} }, allowedTools: '*', requireApproval: '*' },
  },
};

describe('buildToolRegistry', () => {
  it('exposes only the weather tool by default', () => {
    const reg = buildToolRegistry({ weather });
    expect(reg.allowedTools).toEqual(['mcp__weather__get_weather']);
    expect(reg.toolNames()).toEqual(['mcp__weather__get_weather']);
    expect(Object.keys(reg.mcpServersForQuery())).toEqual(['weather']);
    expect(reg.mcpServersForQuery()['weather']).toMatchObject({ type: 'sdk', name: 'weather' });
  });

  it('adds external servers with prefixed names, using mcp__<key> for a wildcard', () => {
    const reg = buildToolRegistry({ weather, external });
    expect(reg.allowedTools).toEqual(['mcp__weather__get_weather', 'mcp__calc__add', 'mcp__calc__sub', 'mcp__web']);
    expect(reg.toolNames()).toEqual(['mcp__calc__add', 'mcp__calc__sub', 'mcp__weather__get_weather', 'mcp__web']);
    const servers = reg.mcpServersForQuery();
    expect(Object.keys(servers)).toEqual(['weather', 'calc', 'web']);
    expect(servers['calc']).toBe(external.servers['calc']?.config); // plain data: shared
    expect(reg.approvalRules).toEqual(['mcp__calc__sub', 'mcp__web']);
  });

  it('can run without the weather tool', () => {
    const reg = buildToolRegistry({ weather: false, external });
    expect(Object.keys(reg.mcpServersForQuery())).toEqual(['calc', 'web']);
    expect(reg.allowedTools).not.toContain('mcp__weather__get_weather');
    expect(buildToolRegistry({ weather: false }).allowedTools).toEqual([]);
  });

  it('builds a fresh in-process server per query, because one instance serves one connection', async () => {
    const reg = buildToolRegistry({ weather, external });
    const a = reg.mcpServersForQuery()['weather'] as McpSdkServerConfigWithInstance;
    const b = reg.mcpServersForQuery()['weather'] as McpSdkServerConfigWithInstance;
    expect(a.instance).not.toBe(b.instance);
    // What the SDK does per query(): connect the instance to a new transport.
    await a.instance.connect(InMemoryTransport.createLinkedPair()[1]);
    await b.instance.connect(InMemoryTransport.createLinkedPair()[1]);
    // Sharing one instance between two live queries is what fails.
    await expect(a.instance.connect(InMemoryTransport.createLinkedPair()[1])).rejects.toThrow(/Already connected/);
    await a.instance.close();
    await b.instance.close();
  });

  it('hands out a copy of allowedTools, so one caller cannot widen later queries', () => {
    const reg = buildToolRegistry({ weather });
    reg.allowedTools.push('Bash');
    expect(reg.allowedTools).toEqual(['mcp__weather__get_weather']);
  });

  it('refuses an external server on the reserved weather key', () => {
    const clash: McpConfig = { servers: { weather: { config: { type: 'stdio', command: 'x' }, allowedTools: '*', requireApproval: [] } } };
    expect(() => buildToolRegistry({ weather: false, external: clash })).toThrow(/reserved/);
  });
});
