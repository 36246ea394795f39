/**
 * Assembles the MCP servers and the matching `allowedTools` list the runtime hands to `query()`.
 * With `permissionMode: 'dontAsk'`, `allowedTools` is the whole permission policy: only the
 * names listed here can run.
 */
import type { McpServerConfig } from '@anthropic-ai/claude-agent-sdk';
import type { McpConfig } from './mcp-config.js';
import { createWeatherServer, WEATHER_SERVER_KEY, WEATHER_TOOL_NAME, type WeatherOptions } from './weather.js';

/** Servers and permissions for `query()`. */
export interface ToolRegistry {
  /**
   * The `mcpServers` option for ONE `query()` call. In-process (`type: 'sdk'`) servers are
   * rebuilt on every call, because an McpServer instance can be connected to only one query
   * at a time (a second concurrent connect fails and that query loses the tools).
   * External stdio/http configs are plain data and are shared.
   */
  mcpServersForQuery(): Record<string, McpServerConfig>;
  /**
   * Permission rules for `allowedTools`: `mcp__<key>__<tool>` for named tools, and
   * `mcp__<key>` (the CLI's rule for "every tool of server <key>") for `["*"]`.
   * Each read returns a new array.
   */
  readonly allowedTools: string[];
  /** The allowed names (same strings as `allowedTools`), sorted, e.g. for logs or a health endpoint. */
  toolNames(): string[];
  /** Rules (same form as `allowedTools`) for the tools whose server config demands approval. */
  readonly approvalRules: string[];
}

/** What the registry is built from: weather settings (or `false` to disable it) and external servers. */
export interface ToolRegistryOptions {
  weather: WeatherOptions | false;
  external?: McpConfig;
}

/** The full tool name the model sees, e.g. `mcp__weather__get_weather`. */
export function mcpToolName(serverKey: string, tool: string): string {
  return `mcp__${serverKey}__${tool}`;
}

/**
 * Builds the registry.
 * @throws Error if an external server uses the reserved `weather` key (loadMcpConfig already
 *   rejects that; this guards configs built in code).
 */
export function buildToolRegistry(opts: ToolRegistryOptions): ToolRegistry {
  const weather = opts.weather;
  const allowed: string[] = [];
  const approval: string[] = [];
  const external: Record<string, McpServerConfig> = {};

  if (weather) allowed.push(mcpToolName(WEATHER_SERVER_KEY, WEATHER_TOOL_NAME));

  for (const [key, server] of Object.entries(opts.external?.servers ?? {})) {
    if (key.toLowerCase() === WEATHER_SERVER_KEY) {
      throw new Error(`MCP server key "${key}" is reserved for the built-in weather tool`);
    }
    external[key] = server.config;
    if (server.allowedTools === '*') allowed.push(`mcp__${key}`);
    else for (const t of server.allowedTools) allowed.push(mcpToolName(key, t));
    if (server.requireApproval === '*') approval.push(`mcp__${key}`);
    else for (const t of server.requireApproval) approval.push(mcpToolName(key, t));
  }

  const mcpServersForQuery = (): Record<string, McpServerConfig> =>
    weather ? { [WEATHER_SERVER_KEY]: createWeatherServer(weather), ...external } : { ...external };

  return {
    mcpServersForQuery,
    // A copy per read, so a caller adding e.g. 'Read' for one query can't widen every later query.
    get allowedTools() {
      return [...allowed];
    },
    toolNames: () => [...allowed].sort(),
    approvalRules: approval,
  };
}
