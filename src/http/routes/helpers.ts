import type { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AccountService } from '../../accounts/service.js';
import type { ApiEnv } from '../app.js';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { ErrorSchema } from '../schemas.js';

/** The account the request acts for (403 for the admin key, which owns no sessions). */
export const account = (c: Context<ApiEnv>) => AccountService.accountOf(c.get('principal'));

/** Small builders for route definitions, so each route reads as what it takes and answers. */

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

export const body = <T extends z.ZodType>(schema: T, required = true) => ({
  body: { content: { 'application/json': { schema } }, required },
});

/** Every /v1 route may answer these. */
export const authErrors = {
  401: json(ErrorSchema, 'No key, or a malformed, unknown or revoked one (`unauthorized`, `invalid_api_key`, `api_key_revoked`)'),
  403: json(ErrorSchema, 'The key may not do this (`forbidden`)'),
};

export const errors = {
  400: json(ErrorSchema, 'Invalid input'),
  ...authErrors,
  404: json(ErrorSchema, 'No such session (also for another account’s session)'),
};

/**
 * The responses of a route's own error codes, from the error table (errors.ts): one entry per
 * status, its description listing the codes. What every route shares (authentication, body
 * handling, parameter validation) is added to the document in one place (http/openapi.ts).
 */
export function errorsFor(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_CODES[code].status, [...(byStatus.get(ERROR_CODES[code].status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [status, json(ErrorSchema, list.map((c) => `\`${c}\`: ${ERROR_CODES[c].meaning}`).join('; '))]),
  );
}
