import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/**
 * The operations of a served OpenAPI document, and an independent validator (Ajv, JSON Schema
 * 2020-12 as OpenAPI 3.1 uses) of responses against what the document says they are.
 */

export interface Operation {
  method: string;
  /** The templated path, e.g. /v1/sessions/{id}. */
  path: string;
  operationId: string;
  secured: boolean;
  hasBody: boolean;
  pathParams: string[];
  queryParams: string[];
  /** Documented statuses. */
  statuses: string[];
}

type OpenApiDoc = { paths: Record<string, Record<string, any>> };

export function operationsOf(doc: OpenApiDoc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []) as Array<{ in: string; name: string }>;
      ops.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        secured: !(Array.isArray(op.security) && op.security.length === 0),
        hasBody: Boolean(op.requestBody),
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        statuses: Object.keys(op.responses),
      });
    }
  }
  return ops;
}

/** Fills a templated path with `values` (each URL-encoded). */
export const fillPath = (path: string, values: Record<string, string>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? 'missing'));

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
) => void;

const DOC_ID = 'https://claude-agent-api.invalid/openapi.json';
const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export interface ResponseCheck {
  /** Why the response does not match the document, or null when it does. */
  (op: Operation, status: number, contentType: string | null, body: unknown): string | null;
}

/** Checks a response's status and JSON body against the operation's entry in `doc`. */
export function responseChecker(doc: OpenApiDoc): ResponseCheck {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: DOC_ID });
  const cache = new Map<string, ValidateFunction | undefined>();
  return (op, status, contentType, body) => {
    const entry = doc.paths[op.path]![op.method.toLowerCase()]!.responses[String(status)];
    if (!entry) return `${op.method} ${op.path} answered ${status}, which its document does not list (${op.statuses.join(', ')})`;
    const type = (contentType ?? '').split(';')[0]!.trim();
    if (!entry.content) return status === 204 || body === '' || body === null ? null : `${status} has a body the document does not describe`;
    if (!entry.content[type]) return `${status} answered ${type || 'no content type'}; the document lists ${Object.keys(entry.content).join(', ')}`;
    if (type !== 'application/json') return null;
    const ref = `${DOC_ID}#/${pointer('paths', op.path, op.method.toLowerCase(), 'responses', String(status), 'content', type, 'schema')}`;
    if (!cache.has(ref)) cache.set(ref, ajv.getSchema(ref));
    const validate = cache.get(ref);
    if (!validate) return `no schema at ${ref}`;
    return validate(body) ? null : `${status} body does not match its schema: ${ajv.errorsText(validate.errors)}`;
  };
}
