/**
 * How much SQL the store has run, counted by each backend's driver: every statement sent to the
 * database, and every write transaction (an explicit BEGIN … COMMIT, or a writing statement that
 * commits on its own). Exported as Prometheus counters and read by bench/turn-latency to print the
 * cost of one warm turn. Plain fields: incrementing them is all the hot path pays.
 */
export class StoreStats {
  statements = 0;
  writeTransactions = 0;
}

/** A statement that changes data (and so, outside a transaction, commits a write of its own). */
export function isWriteStatement(sqlText: string): boolean {
  return WRITE.test(sqlText);
}

const WRITE = /^\s*(insert|update|delete|with\b[\s\S]*\b(insert|update|delete)\b)/i;
