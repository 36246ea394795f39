// Reads a Messages API request body the way the mock needs it: what the user asked last, how far
// the tool loop has got since then, and how long the conversation is. Pure and defensive — bodies
// arrive from arbitrary clients, so nothing here trusts the shape of `unknown`.

export interface ToolResult {
  toolUseId: string;
  text: string;
  isError: boolean;
}

export interface ToolDef {
  name: string;
  /** The tool's JSON schema (the structured-output answer is built from it). */
  inputSchema?: unknown;
}

export interface Conversation {
  /** Text of the newest user message with real (non-reminder) text; '' if there is none. */
  prompt: string;
  /** Tool-result user messages after the prompt = tool rounds already completed. */
  step: number;
  /** Every tool_result after the prompt, oldest first. */
  toolResults: ToolResult[];
  /** user/assistant messages that carry content other than system reminders. */
  history: number;
  tools: ToolDef[];
  model: string;
  stream: boolean;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

// The CLI injects context (dates, file changes, skills) as text blocks wrapped in this tag inside
// user messages; they are not something the user typed.
const isReminder = (text: string): boolean => text.trimStart().startsWith('<system-reminder>');

/** Content blocks of a message; a string content is treated as one text block. */
function blocksOf(message: unknown): Obj[] {
  if (!isObj(message)) return [];
  const content = message.content;
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isObj) : [];
}

// The last text block: when a turn failed before the model answered, the CLI sends that prompt and
// the next one as blocks of one user message, and the newest is what the user asks now.
function userText(message: unknown): string | undefined {
  const texts = blocksOf(message)
    .filter((b) => b.type === 'text' && typeof b.text === 'string' && !isReminder(b.text))
    .map((b) => b.text as string);
  return texts.at(-1);
}

/** Flattens a tool_result's content (string or blocks) to plain text. */
export function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isObj)
    .map((b) => (b.type === 'text' && typeof b.text === 'string' ? b.text : `[${String(b.type)}]`))
    .join('\n');
}

function toolResultsOf(message: unknown): ToolResult[] {
  return blocksOf(message)
    .filter((b) => b.type === 'tool_result')
    .map((b) => ({
      toolUseId: typeof b.tool_use_id === 'string' ? b.tool_use_id : '',
      text: toolResultText(b.content),
      isError: b.is_error === true,
    }));
}

function hasRealContent(message: unknown): boolean {
  return blocksOf(message).some((b) => !(b.type === 'text' && (typeof b.text !== 'string' || isReminder(b.text) || b.text === '')));
}

export function readConversation(body: unknown): Conversation {
  const b = isObj(body) ? body : {};
  const messages = Array.isArray(b.messages) ? b.messages : [];
  const role = (m: unknown): unknown => (isObj(m) ? m.role : undefined);

  let promptIndex = -1;
  let prompt = '';
  for (let i = messages.length - 1; i >= 0; i--) {
    if (role(messages[i]) !== 'user') continue;
    const text = userText(messages[i]);
    if (text !== undefined) {
      promptIndex = i;
      prompt = text;
      break;
    }
  }

  let step = 0;
  const toolResults: ToolResult[] = [];
  for (const m of messages.slice(promptIndex + 1)) {
    if (role(m) !== 'user') continue;
    const results = toolResultsOf(m);
    if (results.length > 0) {
      step++;
      toolResults.push(...results);
    }
  }

  // The CLI also puts `role: "system"` entries into `messages`; only the two chat roles count, so a
  // first turn reads 1 and the second turn of a resumed session reads 3 (user, assistant, user).
  const history = messages.filter((m) => (role(m) === 'user' || role(m) === 'assistant') && hasRealContent(m)).length;

  const tools = (Array.isArray(b.tools) ? b.tools : [])
    .filter(isObj)
    .filter((t): t is Obj & { name: string } => typeof t.name === 'string')
    .map((t) => ({ name: t.name, ...(t.input_schema !== undefined ? { inputSchema: t.input_schema } : {}) }));

  return {
    prompt,
    step,
    toolResults,
    history,
    tools,
    model: typeof b.model === 'string' ? b.model : 'mock-model',
    stream: b.stream === true,
  };
}

/** Exact name first, then an MCP-style `<prefix>__<name>` (`mcp__wx__get_weather` for `get_weather`). */
export function resolveTool(tools: ToolDef[], name: string): string | undefined {
  return (tools.find((t) => t.name === name) ?? tools.find((t) => t.name.endsWith(`__${name}`)))?.name;
}

/** ceil(chars/4) of the parts of the request that a real model would read as input. */
export function inputTokens(body: unknown): number {
  const b = isObj(body) ? body : {};
  const chars = JSON.stringify({ system: b.system, messages: b.messages, tools: b.tools }).length;
  return Math.max(1, Math.ceil(chars / 4));
}

export function outputTokens(generated: string): number {
  return Math.max(1, Math.ceil(generated.length / 4));
}
