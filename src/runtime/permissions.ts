import { randomUUID } from 'node:crypto';
import type { PermissionResult } from '@anthropic-ai/claude-agent-sdk';
import type { AgentEvent } from './events.js';

/** A person's answer to a permission request. */
export interface PermissionDecision {
  decision: 'allow' | 'deny';
  message?: string;
  updatedInput?: Record<string, unknown>;
}

/**
 * A tool rule matches a full tool name (`mcp__weather__get_weather`), or every tool of a server
 * (`mcp__weather`), or a built-in by its name (`Read`).
 */
export function matchesRule(tool: string, rule: string): boolean {
  return tool === rule || (rule.startsWith('mcp__') && !rule.slice(5).includes('__') && tool.startsWith(`${rule}__`));
}

export const matchesAny = (tool: string, rules: readonly string[]) => rules.some((r) => matchesRule(tool, r));

interface Pending {
  sessionId: string;
  settle: (d: PermissionDecision & { reason: 'user' | 'timeout' | 'interrupted' }) => void;
}

/**
 * Tool calls waiting for a person. The SDK's `canUseTool` asks here; the request is announced as a
 * `permission.requested` event and settled by `resolve` (from any HTTP connection), by the
 * approval timeout, or by the turn's interruption.
 */
export class PermissionBroker {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly timeoutMs: number) {}

  async ask(
    sessionId: string,
    call: { tool: string; input: Record<string, unknown>; toolUseId: string },
    emit: (event: AgentEvent) => void,
    signal: AbortSignal,
  ): Promise<PermissionResult> {
    const requestId = randomUUID();
    const expiresAt = new Date(Date.now() + this.timeoutMs).toISOString();
    const decided = new Promise<PermissionDecision & { reason: 'user' | 'timeout' | 'interrupted' }>((resolve) => {
      const timer = setTimeout(
        () =>
          settle({
            decision: 'deny',
            reason: 'timeout',
            message: `Nobody approved ${call.tool} within ${Math.round(this.timeoutMs / 1000)} s, so it was not run.`,
          }),
        this.timeoutMs,
      );
      const onAbort = () => settle({ decision: 'deny', reason: 'interrupted', message: 'The turn was interrupted.' });
      const settle: Pending['settle'] = (d) => {
        if (!this.pending.delete(requestId)) return;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(d);
      };
      this.pending.set(requestId, { sessionId, settle });
      signal.addEventListener('abort', onAbort, { once: true });
    });
    emit({ type: 'permission.requested', request_id: requestId, tool_use_id: call.toolUseId, tool: call.tool, input: call.input, expires_at: expiresAt });
    const d = await decided;
    emit({ type: 'permission.resolved', request_id: requestId, decision: d.decision, reason: d.reason });
    if (d.decision === 'allow') return { behavior: 'allow', updatedInput: d.updatedInput ?? call.input };
    // The model sees this message as the tool's result.
    return { behavior: 'deny', message: d.message || `The user denied ${call.tool}.` };
  }

  /** Settles a waiting request of `sessionId`. False if there is none (unknown, decided or expired). */
  resolve(sessionId: string, requestId: string, decision: PermissionDecision): boolean {
    const p = this.pending.get(requestId);
    if (!p || p.sessionId !== sessionId) return false;
    p.settle({ ...decision, reason: 'user' });
    return true;
  }
}
