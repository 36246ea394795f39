// Proves the mock is compatible with the real CLI: every query here spawns the bundled `claude`
// binary (~0.5–1 s each), so the file stays at a handful of queries.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSdkMcpServer, query, tool, type Options, type SDKMessage, type SDKResultMessage } from '@anthropic-ai/claude-agent-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startMockModel, type MockModel } from './server.js';

let mock: MockModel;
let dir: string;

beforeAll(async () => {
  mock = await startMockModel();
  dir = await mkdtemp(path.join(tmpdir(), 'mock-model-sdk-'));
});
afterAll(async () => {
  await mock?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function options(extra: Partial<Options> = {}, env: Record<string, string> = {}): Options {
  return {
    cwd: dir,
    settingSources: [],
    tools: [],
    permissionMode: 'dontAsk',
    mcpServers: {
      wx: createSdkMcpServer({
        name: 'wx',
        tools: [tool('get_weather', 'Weather for a city', { city: z.string() }, async ({ city }) => ({ content: [{ type: 'text', text: `Sunny in ${city}` }] }))],
      }),
    },
    allowedTools: ['mcp__wx__get_weather'],
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      CLAUDE_CONFIG_DIR: dir,
      ANTHROPIC_BASE_URL: mock.url,
      ANTHROPIC_API_KEY: 'mock-key',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      ENABLE_TOOL_SEARCH: 'false',
      CLAUDE_CODE_MAX_RETRIES: '0',
      ...env,
    },
    ...extra,
  };
}

/** Runs one query to the end; an error result also makes the SDK throw, so both are captured. */
async function run(prompt: string, opts: Options): Promise<{ messages: SDKMessage[]; result?: SDKResultMessage; thrown?: Error }> {
  const messages: SDKMessage[] = [];
  try {
    for await (const m of query({ prompt, options: opts })) messages.push(m);
  } catch (e) {
    return { messages, result: lastResult(messages), thrown: e as Error };
  }
  return { messages, result: lastResult(messages) };
}
const lastResult = (ms: SDKMessage[]) => ms.filter((m): m is SDKResultMessage => m.type === 'result').at(-1);

describe('real Claude Agent SDK against the mock', () => {
  let sessionId = '';

  it('echo: result text, history 1, non-zero cost', async () => {
    const { result, thrown } = await run('hello mock', options());
    expect(thrown).toBeUndefined();
    expect(result).toMatchObject({ subtype: 'success', is_error: false, result: 'Echo: hello mock [history: 1 messages]' });
    expect(result!.total_cost_usd).toBeGreaterThan(0);
    // The CLI takes input usage from message_start/message_delta without double counting.
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.url).toContain('beta=true');
    expect(result!.usage.output_tokens).toBe(Math.ceil('Echo: hello mock [history: 1 messages]'.length / 4));
    sessionId = result!.session_id;
  });

  it('resume keeps context: the second turn sees 3 messages', async () => {
    expect(sessionId).not.toBe('');
    const { result } = await run('second turn', options({ resume: sessionId }));
    expect(result).toMatchObject({ is_error: false, result: 'Echo: second turn [history: 3 messages]', session_id: sessionId });
  });

  it('weather heuristic: the CLI calls the MCP tool and the answer quotes it', async () => {
    const { result, messages } = await run("What's the weather in Paris?", options());
    expect(result?.subtype).toBe('success');
    expect(result?.is_error).toBe(false);
    expect(result && 'result' in result ? result.result : '').toContain('Sunny in Paris');
    expect(result?.num_turns).toBe(2);
    const toolUse = messages.flatMap((m) => (m.type === 'assistant' ? m.message.content : [])).find((b) => b.type === 'tool_use');
    expect(toolUse).toMatchObject({ name: 'mcp__wx__get_weather', input: { city: 'Paris' } });
  });

  it('MOCK fail 500 yields an error result and then a thrown error', async () => {
    const { result, thrown } = await run('MOCK fail 500', options());
    expect(result).toMatchObject({ subtype: 'success', is_error: true, api_error_status: 500 });
    expect(thrown?.message).toMatch(/Claude Code returned an error result: API Error: 500/);
  });

  it('MOCK fail 529 times=1 succeeds on the CLI retry', async () => {
    const { result, messages } = await run('MOCK fail 529 times=1', options({}, { CLAUDE_CODE_MAX_RETRIES: '1' }));
    expect(messages.some((m) => m.type === 'system' && m.subtype === 'api_retry')).toBe(true);
    expect(result).toMatchObject({ is_error: false, result: 'Echo: MOCK fail 529 times=1 [history: 1 messages]' });
  });
});
