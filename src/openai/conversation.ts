import { createHash } from 'node:crypto';
import { OpenAiRequestError } from './errors.js';

/**
 * Conversations as OpenAI clients send them (the whole history every time), reduced to what a
 * session needs: the system prompt, the turns already answered, and the new user text.
 */

export interface Said {
  role: 'user' | 'assistant';
  content: string;
}

/** A message as the schemas parse it (Chat Completions messages and Responses input items alike). */
export interface LooseMessage {
  role: string;
  content?: string | Array<{ type: string; text?: string }> | null;
  tool_calls?: unknown[];
  function_call?: unknown;
}

const TEXT_PARTS = new Set(['text', 'input_text', 'output_text']);

/** The text of a message's content; non-text parts are refused, naming the part. */
export function contentText(content: LooseMessage['content'], param: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, j) => {
      if (TEXT_PARTS.has(part.type) && typeof part.text === 'string') return part.text;
      if (part.type === 'refusal') return '';
      throw new OpenAiRequestError(
        'unsupported_attachment',
        `${param}[${j}]`,
        `Content parts of type '${part.type}' (images, audio, files) are not supported yet; send text.`,
      );
    })
    .join('\n');
}

export interface SplitConversation {
  /** system/developer messages, joined; null when there are none. */
  system: string | null;
  /** What was said before the new user message(s). */
  prior: Said[];
  /** The new user message(s): what goes to the agent. */
  fresh: string[];
}

/**
 * Splits a message list into system prompt, history and the trailing user messages. The list must
 * end with a user message; tool and function messages are refused (the agent runs its own tools).
 */
export function splitConversation(messages: LooseMessage[], field: string): SplitConversation {
  const system: string[] = [];
  const said: Said[] = [];
  messages.forEach((m, i) => {
    const at = `${field}[${i}]`;
    if (m.role === 'tool' || m.role === 'function') {
      throw new OpenAiRequestError('unsupported_value', `${at}.role`, `Messages with role '${m.role}' are not supported: the agent runs its own tools server-side.`);
    }
    if ((m.tool_calls && m.tool_calls.length > 0) || (m.function_call !== undefined && m.function_call !== null)) {
      throw new OpenAiRequestError('unsupported_parameter', `${at}.tool_calls`, 'Client-side tool calls are not supported: the agent runs its own tools server-side.');
    }
    const text = contentText(m.content, `${at}.content`);
    if (m.role === 'system' || m.role === 'developer') system.push(text);
    else if (m.role === 'user' || m.role === 'assistant') said.push({ role: m.role, content: text });
    else throw new OpenAiRequestError('invalid_value', `${at}.role`, `Unknown role '${m.role}'.`);
  });
  let cut = said.length;
  while (cut > 0 && said[cut - 1]!.role === 'user') cut--;
  const fresh = said.slice(cut).map((m) => m.content);
  if (fresh.length === 0) {
    throw new OpenAiRequestError('invalid_value', field, 'The last message must be a user message: it is what the agent answers.');
  }
  if (fresh.join('').trim() === '') throw new OpenAiRequestError('invalid_value', field, 'The new user message is empty.');
  return { system: system.length > 0 ? system.join('\n\n') : null, prior: said.slice(0, cut), fresh };
}

/**
 * The fingerprint of a conversation within an account: the same account, system prompt and
 * messages always give the same key, so a client resending its history finds its session again.
 * Whitespace at the ends of a message does not count (UIs trim what they resend).
 */
export function conversationKey(accountId: string, system: string | null, said: Said[]): string {
  const canonical = JSON.stringify([accountId, system?.trim() ?? null, said.map((m) => [m.role, m.content.trim()])]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The new message(s) as one prompt. */
export const promptOf = (fresh: string[]): string => fresh.join('\n\n');

/**
 * A conversation whose history no session has seen (it came from elsewhere, or was edited): the
 * agent gets the history as context in the same prompt, so it is not lost.
 */
export function promptWithHistory(prior: Said[], fresh: string[]): string {
  if (prior.length === 0) return promptOf(fresh);
  const lines = prior.map((m) => `${m.role === 'user' ? 'User' : 'Assistant'}: ${m.content}`);
  return `The conversation so far:\n\n${lines.join('\n\n')}\n\nNow answer this:\n\n${promptOf(fresh)}`;
}
