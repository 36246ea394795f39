import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockModel, type MockModel } from '../../mock-model/server.js';
import { testEnv } from '../helpers/harness.js';
import { postJson, spawnServer, type ServerProcess } from '../helpers/process.js';
import { startFakeOpenMeteo, type FakeOpenMeteo } from '../tools/fake-open-meteo.js';

/**
 * Resume across restarts: the SDK's local transcripts are deleted between two server processes,
 * so the second process can only know the conversation from our store.
 */
describe('resume across a restart', () => {
  let mock: MockModel;
  let weather: FakeOpenMeteo;
  let dataDir: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    mock = await startMockModel();
    weather = await startFakeOpenMeteo();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'caa-restart-'));
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await mock.close();
    await weather.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('continues a session with its whole history after restart and loss of local transcripts', async () => {
    const env = testEnv(dataDir, mock, weather);
    server = await spawnServer(env);
    const first = await postJson(`${server.url}/chat`, { message: 'Remember the word avocado.' });
    expect(first.status).toBe(200);
    const sessionId = first.body.session_id as string;
    const second = await postJson(`${server.url}/chat`, { message: 'What is the weather in Paris?', session_id: sessionId });
    expect(second.body.tool_calls[0].tool_name).toBe('mcp__weather__get_weather');
    expect(await server.stop('SIGTERM')).toBe(0);

    const claudeDir = path.join(dataDir, 'claude');
    expect(existsSync(claudeDir)).toBe(true);
    await rm(claudeDir, { recursive: true, force: true });

    server = await spawnServer(env);
    const third = await postJson(`${server.url}/chat`, { message: 'Which word did I ask you to remember?', session_id: sessionId });
    expect(third.status).toBe(200);
    expect(third.body.is_error).toBe(false);
    expect(third.body.session_id).toBe(sessionId);
    // The model was sent every earlier message, tool call and tool result included.
    const sent = JSON.stringify(mock.requests.at(-1)!.body);
    expect(sent).toContain('Remember the word avocado.');
    expect(sent).toContain('What is the weather in Paris?');
    expect(sent).toContain('tool_result');
    expect(sent).toContain('Paris, France: 18.2');
    expect(third.body.response_text).toMatch(/\[history: \d+ messages\]/);
    const count = Number(/\[history: (\d+) messages\]/.exec(third.body.response_text)![1]);
    expect(count).toBeGreaterThanOrEqual(5);

    const convo = await (await fetch(`${server.url}/sessions/${sessionId}`)).json();
    expect(convo.turn_count).toBe(3);
    expect(convo.messages.filter((m: { role: string }) => m.role === 'user').map((m: { content: string }) => m.content)).toEqual([
      'Remember the word avocado.',
      'What is the weather in Paris?',
      'Which word did I ask you to remember?',
    ]);
    expect(convo.messages[3].tool_calls[0].tool_result).toContain('Paris, France');
  });
});
