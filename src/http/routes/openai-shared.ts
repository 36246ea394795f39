import type { Context } from 'hono';
import { fromZodIssue, toOpenAiError } from '../../openai/errors.js';
import { OpenAiErrorSchema } from '../../openai/chat-schema.js';
import type { TurnRecord } from '../../store/types.js';
import type { ApiEnv } from '../app.js';
import { errorJson } from '../errors.js';
import { json } from './helpers.js';
import { turnFailureStatus } from '../../openai/errors.js';

/** What the OpenAI-compatible routes have in common: their tag, errors, validation hook and headers. */

export const OPENAI_TAG = 'OpenAI-compatible';

export const openAiErrors = {
  400: json(OpenAiErrorSchema, 'Invalid or unsupported input; `param` names the field'),
  401: json(OpenAiErrorSchema, 'No key, or a malformed, unknown or revoked one'),
  403: json(OpenAiErrorSchema, 'The admin key owns no sessions'),
  404: json(OpenAiErrorSchema, 'No such model, response or session'),
};

/** Validation failures in OpenAI's shape, naming the field (`param`). */
export const openAiHook = (result: { success: boolean; error?: { issues: unknown[] } }, c: Context<ApiEnv>) => {
  if (result.success) return;
  const issue = result.error!.issues[0] as Parameters<typeof fromZodIssue>[0];
  const { code, message, param } = fromZodIssue(issue);
  return errorJson(c, code, message, { param });
};

/** The session and turn behind a response, so a client can follow it on our own routes. */
export function agentHeaders(c: Context<ApiEnv>, sessionId: string, turnId: string): void {
  c.set('turnId', turnId);
  c.set('sessionId', sessionId);
  c.header('X-Session-Id', sessionId);
  c.header('X-Turn-Id', turnId);
  c.header('Link', `</v1/sessions/${sessionId}/turns/${turnId}/events>; rel="events"`);
}

/** A failed turn as an OpenAI error body and its status. Not retried: the client would run it again. */
export function turnFailure(c: Context<ApiEnv>, turn: TurnRecord) {
  const status = turnFailureStatus(turn.errorCode);
  c.header('x-should-retry', 'false');
  return { status, body: toOpenAiError(turn.errorCode ?? 'agent_error', turn.errorMessage ?? 'The turn failed.', status) };
}
