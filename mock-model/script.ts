// Decides what the mock model "says". Pure: a request body in, a Plan out. The server owns all
// state (ids, fault counters, timing), so everything here can be unit-tested without sockets.
import { readConversation, resolveTool, type Conversation } from './request.js';

export type PlanBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; name: string; input: Record<string, unknown> };

export type FaultKind = '500' | '529' | '429' | '401' | 'break' | 'hang';

export interface Fault {
  kind: FaultKind;
  /** Fail only the first N requests carrying `key`; absent = always fail. */
  times?: number;
  /** The prompt text; the server counts attempts per key. */
  key: string;
}

export interface Plan {
  /** What to send — or, when `fault` is set, the fallback once the fault is used up. */
  blocks: PlanBlock[];
  stopReason: 'end_turn' | 'tool_use';
  /** Per-reply pacing (`MOCK slow`); overrides the server-wide token delay. */
  tokenDelayMs?: number;
  fault?: Fault;
  /** One-line summary for logs. */
  note: string;
}

export const FAULT_KINDS: readonly FaultKind[] = ['500', '529', '429', '401', 'break', 'hang'];

const LOREM = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore ' +
  'et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi ut ' +
  'aliquip ex ea commodo consequat duis aute irure dolor in reprehenderit in voluptate velit esse'
).split(' ');

/** Deterministic filler: the lorem words cycled to length n. */
export function loremWords(n: number): string {
  return Array.from({ length: n }, (_, i) => LOREM[i % LOREM.length]).join(' ');
}

/** Streaming chunks: each word keeps its trailing whitespace, so the chunks join back to `text`. */
export function splitWords(text: string): string[] {
  const parts = text.match(/\s*\S+\s*/g);
  return parts ?? (text === '' ? [] : [text]);
}

// Bounds a typo like `MOCK long 1e9` so it cannot take the process's memory with it.
const MAX_LONG_WORDS = 200_000;

const text = (t: string, note: string): Plan => ({ blocks: [{ type: 'text', text: t }], stopReason: 'end_turn', note });

const callTool = (name: string, input: Record<string, unknown>, note: string): Plan => ({
  blocks: [{ type: 'tool_use', name, input }],
  stopReason: 'tool_use',
  note,
});

export const echoText = (c: Conversation): string => `Echo: ${c.prompt.trim()} [history: ${c.history} messages]`;

function parseJson(src: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(src) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function toolDirective(c: Conversation, args: string): Plan {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(args);
  if (!m) return text('Mock: tool needs <name> [json-input]', 'tool: usage');
  const name = m[1]!;
  if (c.step > 0) {
    const r = c.toolResults.at(-1);
    const body = r?.text ?? '';
    return text(r?.isError ? `Tool ${name} failed: ${body}` : `Tool ${name} returned: ${body}`, `tool ${name}: answer`);
  }
  const resolved = resolveTool(c.tools, name);
  if (!resolved) return text(`Mock: no tool named ${name}`, `tool ${name}: not offered`);
  const parsed = parseJson(m[2]!.trim() || '{}');
  if (!parsed.ok || !isRecord(parsed.value)) {
    return text(`Mock: tool input must be a JSON object (${parsed.ok ? 'got ' + typeof parsed.value : parsed.error})`, 'tool: bad json');
  }
  return callTool(resolved, parsed.value, `tool ${resolved}: call`);
}

function chainDirective(c: Conversation, args: string): Plan {
  const parsed = parseJson(args.trim());
  const items = parsed.ok && Array.isArray(parsed.value) ? parsed.value : undefined;
  if (!items || items.length === 0 || !items.every((i) => isRecord(i) && typeof i.name === 'string')) {
    return text('Mock: chain needs a non-empty JSON array of {"name": string, "input": object}', 'chain: bad json');
  }
  if (c.step < items.length) {
    const item = items[c.step] as { name: string; input?: unknown };
    const resolved = resolveTool(c.tools, item.name);
    if (!resolved) return text(`Mock: no tool named ${item.name}`, `chain ${c.step + 1}: not offered`);
    return callTool(resolved, isRecord(item.input) ? item.input : {}, `chain ${c.step + 1}/${items.length}: ${resolved}`);
  }
  const listed = c.toolResults.map((r, i) => `${i + 1}) ${r.isError ? 'failed: ' : ''}${r.text}`).join(' ');
  return text(`Chain results: ${listed}`, 'chain: answer');
}

function weatherHeuristic(c: Conversation): Plan | undefined {
  const m = /weather (?:in|for|at) ([\p{L} .'-]+)/iu.exec(c.prompt);
  const tool = c.tools.find((t) => t.name === 'get_weather' || t.name.endsWith('__get_weather'));
  if (!m || !tool) return undefined;
  const city = m[1]!.trim().replace(/[?.\s]+$/u, '');
  if (!city) return undefined;
  if (c.step === 0) return callTool(tool.name, { city }, `weather: call ${tool.name}`);
  // The CLI appends <system-reminder> notes (budget, tokens) to tool results; a model does not repeat them.
  const result = (c.toolResults.at(-1)?.text ?? '').replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim();
  return text(`The weather in ${city}: ${result}`, 'weather: answer');
}

/**
 * Structured output: the CLI offers a `StructuredOutput` tool whose input is the answer. Step 0
 * calls it with the smallest object its schema allows, strings filled with the prompt, so a test
 * can see its own words come back; after the call, a short text.
 */
function structuredOutput(c: Conversation): Plan | undefined {
  const tool = c.tools.find((t) => t.name === 'StructuredOutput');
  if (!tool) return undefined;
  if (c.step > 0) return text('Done.', 'structured output: done');
  const value = instanceOf(tool.inputSchema, c.prompt.trim(), c.history);
  return callTool(tool.name, isRecord(value) ? value : { value }, 'structured output: call');
}

/** A minimal value matching a JSON schema: first enum/const, strings = `said`, numbers = `n`. */
export function instanceOf(schema: unknown, said: string, n: number): unknown {
  if (!isRecord(schema)) return said;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const props = isRecord(schema.properties) ? schema.properties : {};
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, instanceOf(v, said, n)]));
    }
    case 'array':
      return [instanceOf(schema.items, said, n)];
    case 'number':
    case 'integer':
      return n;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return said;
  }
}

/** The whole decision: directive, demo heuristic, or echo. */
export function planFor(c: Conversation): Plan {
  const prompt = c.prompt.trim();
  const m = /^MOCK(?:\s+(\S+))?(?:\s+([\s\S]*))?$/.exec(prompt);
  if (!m) return structuredOutput(c) ?? weatherHeuristic(c) ?? text(echoText(c), 'echo');

  const word = m[1] ?? '';
  const args = m[2] ?? '';
  switch (word) {
    case 'tool':
      return toolDirective(c, args);
    case 'chain':
      return chainDirective(c, args);
    case 'slow': {
      const s = /^(\d+)\s*([\s\S]*)$/.exec(args);
      if (!s) return text('Mock: slow needs <ms-per-token> [text]', 'slow: usage');
      const ms = Number(s[1]);
      return { ...text(s[2]!.trim() || loremWords(40), `slow ${ms}ms/token`), tokenDelayMs: ms };
    }
    case 'think': {
      const said = args.trim() || 'Hmm.';
      return {
        blocks: [
          { type: 'thinking', thinking: `Thinking about: ${said}`, signature: 'mock-signature' },
          { type: 'text', text: said },
        ],
        stopReason: 'end_turn',
        note: 'think',
      };
    }
    case 'long': {
      const s = /^(\d+)\s*$/.exec(args);
      if (!s) return text('Mock: long needs <word-count>', 'long: usage');
      const n = Math.min(Number(s[1]), MAX_LONG_WORDS);
      return text(loremWords(n), `long ${n}`);
    }
    case 'fail': {
      const s = /^(\S+)(?:\s+times=(\d+))?\s*$/.exec(args);
      const kind = s?.[1] as FaultKind | undefined;
      if (!s || !kind || !FAULT_KINDS.includes(kind)) {
        return text(`Mock: fail needs one of ${FAULT_KINDS.join('|')} [times=N]`, 'fail: usage');
      }
      const fault: Fault = { kind, key: prompt, ...(s[2] !== undefined ? { times: Number(s[2]) } : {}) };
      return { ...text(echoText(c), `fail ${kind}${s[2] !== undefined ? ` times=${s[2]}` : ''}`), fault };
    }
    case '':
      return text('Mock: missing directive after MOCK', 'unknown');
    default:
      return text(`Mock: unknown directive ${word}`, `unknown ${word}`);
  }
}

/** Convenience for callers holding a raw request body. */
export function planReply(body: unknown): Plan {
  return planFor(readConversation(body));
}
