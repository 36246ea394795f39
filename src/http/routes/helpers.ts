import type { z } from '@hono/zod-openapi';
import { ErrorSchema } from '../schemas.js';

/** Small builders for route definitions, so each route reads as what it takes and answers. */

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

export const body = <T extends z.ZodType>(schema: T, required = true) => ({
  body: { content: { 'application/json': { schema } }, required },
});

export const errors = {
  400: json(ErrorSchema, 'Invalid input'),
  404: json(ErrorSchema, 'No such session'),
};
