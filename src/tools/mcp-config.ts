/**
 * External MCP servers, loaded from the JSON file named by the `MCP_CONFIG` setting.
 * The format is documented in ./README.md. Validation is strict (unknown fields are errors) so
 * a typo such as `allowedTools` fails loudly instead of silently granting nothing.
 */
import { readFile } from 'node:fs/promises';
import type { McpHttpServerConfig, McpStdioServerConfig } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import { WEATHER_SERVER_KEY } from './weather.js';

/** One external server: the SDK transport config plus the tools the agent may call on it. */
export interface ExternalMcpServer {
  /** Passed to the SDK's `mcpServers` unchanged. */
  config: McpStdioServerConfig | McpHttpServerConfig;
  /** Unprefixed tool names, or `'*'` for every tool the server offers. */
  allowedTools: '*' | readonly string[];
  /** Tools that need a person's approval before each call: none, all (`'*'`), or these names. */
  requireApproval: '*' | readonly string[];
}

/** A validated MCP config file. */
export interface McpConfig {
  servers: Record<string, ExternalMcpServer>;
}

/** One schema problem: a JSON path such as `$.servers.fs.args[0]` and what is wrong there. */
export interface McpConfigIssue {
  path: string;
  message: string;
}

/** The config file is unreadable, not JSON, or breaks the schema. The message names the file. */
export class McpConfigError extends Error {
  override readonly name = 'McpConfigError';
  constructor(message: string, readonly file: string, readonly issues: readonly McpConfigIssue[] = []) {
    super(message);
  }
}

const SERVER_KEY = /^[a-zA-Z0-9_-]{1,64}$/;
// MCP spec tool-name charset; the full `mcp__<key>__<tool>` name must also fit the API's 128 chars.
const TOOL_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_FULL_TOOL_NAME = 128;

const allowedToolsSchema = z.array(z.string()).min(1, 'list at least one tool, or ["*"] for all').superRefine((list, ctx) => {
  list.forEach((name, i) => {
    if (name === '*') {
      if (list.length > 1) ctx.addIssue({ code: 'custom', path: [i], message: '"*" must be the only entry' });
    } else if (!TOOL_NAME.test(name)) {
      ctx.addIssue({ code: 'custom', path: [i], message: 'a tool name is 1-128 of A-Z a-z 0-9 _ . - (without the mcp__ prefix)' });
    } else if (list.indexOf(name) !== i) {
      ctx.addIssue({ code: 'custom', path: [i], message: `"${name}" is listed twice` });
    }
  });
});

const common = {
  allowed_tools: allowedToolsSchema,
  /** Per-call tool timeout in ms (SDK ignores < 1000). */
  timeout_ms: z.number().int().min(1000).optional(),
  /** Send the tools to the model up front instead of behind ToolSearch. */
  always_load: z.boolean().optional(),
  /** `true` = every tool of this server needs a person's approval per call; or a list of tool names. */
  require_approval: z.union([z.boolean(), z.array(z.string().min(1))]).optional(),
};

const stdioSchema = z.strictObject({
  type: z.literal('stdio'),
  command: z.string().min(1, 'must not be empty'),
  args: z.array(z.string()).optional(),
  env: z.record(z.string().regex(/^[^=\0]+$/, 'not a valid environment variable name'), z.string()).optional(),
  ...common,
});

const httpSchema = z.strictObject({
  type: z.literal('http'),
  url: z.string().refine(isHttpUrl, 'must be an absolute http:// or https:// URL'),
  headers: z.record(z.string().regex(HEADER_NAME, 'not a valid HTTP header name'), z.string()).optional(),
  ...common,
});

const serverSchema = z.discriminatedUnion('type', [stdioSchema, httpSchema], {
  error: (iss) => isPlainObject(iss.input) ? 'type must be "stdio" or "http"' : 'a server must be an object',
});

// Key rules live in the record's key schema so they are reported even when a value is also wrong.
const serverKeySchema = z.string()
  .regex(SERVER_KEY, 'server key must be 1-64 of A-Z a-z 0-9 _ -')
  // The CLI splits `mcp__<key>__<tool>` at the first "__", so such a key breaks permission rules.
  .refine((k) => !k.includes('__'), 'server key must not contain "__"')
  .refine((k) => k.toLowerCase() !== WEATHER_SERVER_KEY, `server key "${WEATHER_SERVER_KEY}" is reserved for the built-in weather tool`);

const fileSchema = z.strictObject({
  servers: z.record(serverKeySchema, serverSchema).superRefine((servers, ctx) => {
    for (const [key, server] of Object.entries(servers)) {
      server.allowed_tools.forEach((tool, i) => {
        if (tool !== '*' && `mcp__${key}__${tool}`.length > MAX_FULL_TOOL_NAME) {
          ctx.addIssue({ code: 'custom', path: [key, 'allowed_tools', i], message: `mcp__${key}__${tool} is longer than ${MAX_FULL_TOOL_NAME} characters` });
        }
      });
    }
  }),
});

type ServerEntry = z.infer<typeof serverSchema>;

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Renders a zod path as a JSON path: `$.servers["my key"].args[0]`. */
function jsonPath(path: readonly PropertyKey[]): string {
  return '$' + path.map((p) => typeof p === 'number' ? `[${p}]`
    : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`).join('');
}

function toIssues(error: z.ZodError): McpConfigIssue[] {
  return error.issues.flatMap((issue): McpConfigIssue[] => {
    // Point at each unknown field itself rather than at the object holding it.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => ({ path: jsonPath([...issue.path, k]), message: 'unknown field' }));
    }
    // A bad record key wraps the real reason ("reserved", "bad characters") one level down.
    if (issue.code === 'invalid_key') {
      return issue.issues.map((inner) => ({ path: jsonPath(issue.path), message: inner.message }));
    }
    return [{ path: jsonPath(issue.path), message: issue.message }];
  });
}

function toServer(entry: ServerEntry): ExternalMcpServer {
  const config: McpStdioServerConfig | McpHttpServerConfig = entry.type === 'stdio'
    ? { type: 'stdio', command: entry.command, args: entry.args ?? [], env: entry.env ?? {} }
    : { type: 'http', url: entry.url, headers: entry.headers ?? {} };
  if (entry.timeout_ms !== undefined) config.timeout = entry.timeout_ms;
  if (entry.always_load !== undefined) config.alwaysLoad = entry.always_load;
  const tools = entry.allowed_tools;
  const approval = entry.require_approval;
  return {
    config,
    allowedTools: tools.length === 1 && tools[0] === '*' ? '*' : [...tools],
    requireApproval: approval === true ? '*' : Array.isArray(approval) ? [...approval] : [],
  };
}

/**
 * Validates an already-parsed config document. `source` names it in error messages.
 * @throws McpConfigError listing every problem with its JSON path.
 */
export function parseMcpConfig(value: unknown, source: string): McpConfig {
  const parsed = fileSchema.safeParse(value);
  if (!parsed.success) {
    const issues = toIssues(parsed.error);
    const lines = issues.map((i) => `  at ${i.path}: ${i.message}`).join('\n');
    throw new McpConfigError(`MCP config ${source} is invalid:\n${lines}`, source, issues);
  }
  const servers = Object.fromEntries(Object.entries(parsed.data.servers).map(([k, v]) => [k, toServer(v)]));
  return { servers };
}

/**
 * Reads and validates the MCP config file at `path`.
 * @throws McpConfigError if the file is unreadable, not valid JSON, or breaks the schema.
 */
export async function loadMcpConfig(path: string): Promise<McpConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied'
      : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new McpConfigError(`Cannot read MCP config ${path}: ${reason}`, path);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, '')); // tolerate a BOM from Windows editors
  } catch (err) {
    throw new McpConfigError(`MCP config ${path} is not valid JSON: ${(err as Error).message}${where(text, err)}`, path);
  }
  return parseMcpConfig(json, path);
}

/** ` (line L, column C)` when V8's message carries a character position. */
function where(text: string, err: unknown): string {
  const m = /position (\d+)/.exec((err as Error).message);
  if (!m) return '';
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}
