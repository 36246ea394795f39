/** The warm pool's decisions, free of processes and timers so they are unit-tested directly. */

export interface PoolLimits {
  maxWarm: number;
  /** Processes one account may hold in use at once (ACCOUNT_MAX_WARM): the rest stays for the others. */
  accountMaxWarm: number;
  memoryBudgetBytes: number;
  idleTimeoutMs: number;
}

export interface PoolMember {
  id: string;
  /** Running a turn, or reserved for one that is about to start: never evicted. */
  inUse: boolean;
  lastUsedAt: number;
  rssBytes: number;
}

/** `stale`: another instance ran a turn of the session since this process last did. */
export type EvictionReason = 'capacity' | 'memory' | 'idle_timeout' | 'settings_changed' | 'budget_spent' | 'stale' | 'deleted';

export interface EvictionPlan {
  evict: { id: string; reason: 'capacity' | 'memory' }[];
  /** False when even evicting every idle member leaves no room: the newcomer must wait. */
  fits: boolean;
}

/** A new process is assumed to need as much as the average live one (or ~250 MB with none). */
export function expectedRss(members: PoolMember[]): number {
  const measured = members.filter((m) => m.rssBytes > 0);
  if (measured.length === 0) return 250 * 1024 * 1024;
  return measured.reduce((sum, m) => sum + m.rssBytes, 0) / measured.length;
}

/**
 * Which members to evict so that one more process fits under both the count and the memory limit:
 * least recently used idle ones first; a member in use is never chosen.
 */
export function planRoomFor(members: PoolMember[], limits: PoolLimits, newcomerRss = expectedRss(members)): EvictionPlan {
  const idleLru = members.filter((m) => !m.inUse).sort((a, b) => a.lastUsedAt - b.lastUsedAt);
  let count = members.length;
  let memory = members.reduce((sum, m) => sum + m.rssBytes, 0);
  const evict: EvictionPlan['evict'] = [];
  for (const m of idleLru) {
    const overCount = count + 1 > limits.maxWarm;
    const overMemory = memory + newcomerRss > limits.memoryBudgetBytes;
    if (!overCount && !overMemory) break;
    evict.push({ id: m.id, reason: overCount ? 'capacity' : 'memory' });
    count--;
    memory -= m.rssBytes;
  }
  // An empty pool always admits one process, whatever the memory estimate says.
  const fits = count === 0 || (count + 1 <= limits.maxWarm && memory + newcomerRss <= limits.memoryBudgetBytes);
  return { evict, fits };
}

/** Idle members whose last use is older than the idle timeout. */
export function idleExpired(members: PoolMember[], now: number, idleTimeoutMs: number): string[] {
  return members.filter((m) => !m.inUse && now - m.lastUsedAt >= idleTimeoutMs).map((m) => m.id);
}

/** Idle members to evict (LRU first) until the pool's measured memory is back under budget. */
export function overBudget(members: PoolMember[], memoryBudgetBytes: number): string[] {
  let memory = members.reduce((sum, m) => sum + m.rssBytes, 0);
  const out: string[] = [];
  for (const m of members.filter((x) => !x.inUse).sort((a, b) => a.lastUsedAt - b.lastUsedAt)) {
    if (memory <= memoryBudgetBytes) break;
    out.push(m.id);
    memory -= m.rssBytes;
  }
  return out;
}

/**
 * How many processes `account` may hold in use right now: never more than its cap, and while
 * another account waits, no more than an equal split of the pool between the accounts that hold
 * or want processes. Alone, an account may use up to its cap.
 */
export function fairShare(
  account: string,
  holders: ReadonlyMap<string, number>,
  waiting: ReadonlySet<string>,
  limits: Pick<PoolLimits, 'maxWarm' | 'accountMaxWarm'>,
): number {
  const othersWait = [...waiting].some((a) => a !== account);
  if (!othersWait) return limits.accountMaxWarm;
  const active = new Set([...holders.keys(), ...waiting, account]).size;
  return Math.min(limits.accountMaxWarm, Math.max(1, Math.floor(limits.maxWarm / active)));
}
