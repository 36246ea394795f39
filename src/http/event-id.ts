import { DomainError } from '../errors.js';

/** Event ids are the log's seqs: 0 ("from the start") or a positive decimal, no sign, no exponent. */
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/**
 * The one reading of a client's "last event seen": the `Last-Event-ID` header (what EventSource
 * sends on reconnect) wins over `?last_event_id=`; either, when present, must be a strict decimal
 * event id — `abc`, `-1`, `1.5`, `0x10`, `1e5` or 10k digits are refused, never read as "from the start".
 */
export function lastEventId(header: string | undefined, query: string | undefined): number {
  // An empty value names no event (EventSource sends none before its first id): from the start.
  const raw = header || query;
  if (!raw) return 0;
  const value = raw;
  if (!DECIMAL.test(value) || !Number.isSafeInteger(Number(value))) {
    const where = header ? 'The Last-Event-ID header' : 'last_event_id';
    throw new DomainError('invalid_event_id', `${where} must be an event id this stream sent (a decimal number).`);
  }
  return Number(value);
}
