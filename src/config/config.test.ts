import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.model).toMatchObject({ apiKey: undefined, maxTurns: 10, maxBudgetUsd: 0.5, builtinTools: [] });
    expect(c.maxMessageBytes).toBe(256 * 1024);
    expect(c.tools.mcpConfigPath).toBeUndefined();
  });

  it('reads the seed’s variable names', () => {
    const c = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      ANTHROPIC_API_KEY: 'sk-test',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:4010',
      CLAUDE_MODEL: 'claude-opus-4-1',
      CLAUDE_MAX_TURNS: '3',
      CLAUDE_MAX_BUDGET_USD: '1.25',
      CLAUDE_SYSTEM_PROMPT: 'Be terse.',
      CLAUDE_BUILTIN_TOOLS: 'Read, Grep',
      DATA_DIR: '/tmp/x',
      WEATHER_TOOL: 'false',
    });
    expect(c.port).toBe(9000);
    expect(c.model).toMatchObject({
      apiKey: 'sk-test',
      baseUrl: 'http://127.0.0.1:4010',
      name: 'claude-opus-4-1',
      maxTurns: 3,
      maxBudgetUsd: 1.25,
      systemPrompt: 'Be terse.',
      builtinTools: ['Read', 'Grep'],
    });
    expect(c.databasePath).toBe('/tmp/x/agent-api.db');
    expect(c.tools.weather).toBe(false);
  });

  it('selects PostgreSQL only for a postgres:// DATABASE_URL', () => {
    expect(loadConfig({}).postgres).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db', DATABASE_SCHEMA: 'agents' }).postgres).toEqual({
      url: 'postgres://u@h:5432/db',
      schema: 'agents',
      poolSize: 10,
    });
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL="mysql:\/\/x"/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x', DATABASE_SCHEMA: 'Bad-Name' })).toThrow(/DATABASE_SCHEMA/);
  });

  it('treats an empty API key as no key (demo mode)', () => {
    expect(loadConfig({ ANTHROPIC_API_KEY: '  ' }).model.apiKey).toBeUndefined();
  });

  it('names every bad variable in one error', () => {
    try {
      loadConfig({ PORT: 'eighty', CLAUDE_MAX_BUDGET_USD: '-1', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).toContain('PORT="eighty"');
      expect(msg).toContain('CLAUDE_MAX_BUDGET_USD="-1"');
      expect(msg).toContain('LOG_LEVEL="loud"');
    }
  });
});

describe('log settings', () => {
  it('logs JSON without message text by default, pretty in development unless told otherwise', () => {
    expect(loadConfig({}).log).toMatchObject({ level: 'info', pretty: false, messages: false });
    expect(loadConfig({ NODE_ENV: 'production' }).log.pretty).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }).log.pretty).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development', LOG_PRETTY: 'false' }).log.pretty).toBe(false);
    expect(loadConfig({ LOG_PRETTY: 'yes' }).log.pretty).toBe(true);
    expect(loadConfig({ LOG_MESSAGES: 'true' }).log.messages).toBe(true);
    expect(() => loadConfig({ LOG_PRETTY: 'maybe' })).toThrow(ConfigError);
  });

  it('knows the secrets to scrub from log lines', () => {
    const admin = 'a'.repeat(32);
    expect(loadConfig({ ANTHROPIC_API_KEY: 'sk-model', ADMIN_API_KEY: admin }).log.secrets).toEqual(['sk-model', admin]);
    expect(loadConfig({}).log.secrets).toEqual([]);
  });
});
