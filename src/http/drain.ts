import type { MiddlewareHandler } from 'hono';

/** A refused body up to this size is read to its end, so its connection stays usable. */
export const DRAIN_MAX_BYTES = 16 * 1024 * 1024;
/** A refused body that takes longer than this to arrive is not waited for. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Early refusals (401 before the body is read, 415, 413 on Content-Length, a bad path id…) answer
 * while the client may still be sending its body. Left unread, that body sits in the connection:
 * the client either sees its next request on the keep-alive connection fail ("socket hang up")
 * or the server's own clean-up cuts it later. So before such an answer goes out, the rest of a
 * bounded body is read and dropped; a larger (or slower) one gets `Connection: close` instead, so
 * the client knows not to reuse the connection.
 */
export function drainRefusedBodies(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const req = c.req.raw;
    if (!req.body || req.bodyUsed) {
      // Read partly and refused (a chunked body over the limit): what is left cannot be trusted.
      if (req.bodyUsed && c.res.status === 413) c.res.headers.set('Connection', 'close');
      return;
    }
    const declared = Number(req.headers.get('content-length') ?? NaN);
    if (!(declared <= DRAIN_MAX_BYTES) || !(await drain(req.body))) c.res.headers.set('Connection', 'close');
  };
}

/** Reads a stream to its end and drops it; false if it ran past the bound or the time limit. */
async function drain(body: ReadableStream<Uint8Array>): Promise<boolean> {
  const reader = body.getReader();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), DRAIN_TIMEOUT_MS);
  });
  let read = 0;
  try {
    for (;;) {
      const r = await Promise.race([reader.read(), timedOut]);
      if (r === 'timeout') return false;
      if (r.done) return true;
      read += r.value.byteLength;
      if (read > DRAIN_MAX_BYTES) return false;
    }
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
}
