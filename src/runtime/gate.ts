import type { HookCallback } from '@anthropic-ai/claude-agent-sdk';
import type { SandboxStatus } from '../sandbox/sandbox.js';
import { matchesAny, type PermissionBroker } from './permissions.js';
import type { PermissionGate, TurnContext } from './warm-session.js';
import { pathOutsideWorkspace } from './workspace.js';

export interface GatePolicy {
  /** MCP tools the server offers (names or patterns). */
  allowedTools: readonly string[];
  /** The CLI's built-in tools the server enables (an account or session may narrow them). */
  builtinTools: readonly string[];
  sandbox: SandboxStatus;
  permissions: PermissionBroker;
}

/**
 * The permission policy of one session's process: a tool that is not configured is refused, a
 * tool matching the turn's approval rules waits for a person, anything else runs. Every call
 * comes here (nothing is pre-approved, see askTheGate) so a session's approval rules can change
 * between turns. The sandbox stands behind this gate; the gate stays as the first refusal.
 */
export function createGate(policy: GatePolicy, sessionId: string, workspace: string): PermissionGate {
  const builtin = policy.builtinTools;
  // StructuredOutput is the CLI's own way of answering a turn's outputFormat, not a tool that acts.
  const enabled = [...policy.allowedTools, ...builtin, 'StructuredOutput'];
  const unsandboxed = policy.sandbox.kind === 'none';
  // The same checks for the model's input and for an approver's replacement of it.
  const check = async (tool: string, input: Record<string, unknown>, turn: TurnContext | null): Promise<string | null> => {
    if (!matchesAny(tool, enabled)) return `The tool ${tool} is not enabled on this server.`;
    if (turn?.builtinTools && matchesAny(tool, builtin) && !turn.builtinTools.includes(tool)) {
      return `The tool ${tool} is not allowed for this account or session (its tool policy).`;
    }
    if (unsandboxed && matchesAny(tool, builtin)) {
      return `sandbox_unavailable: built-in tools need the sandbox, which is not available on this server (${policy.sandbox.warning ?? ''}).`;
    }
    const outside = await pathOutsideWorkspace(tool, input, workspace);
    if (outside) return `${tool} may only use files in this session's workspace; ${outside} is outside it.`;
    return null;
  };
  return async (tool, input, { signal, toolUseID }, turn) => {
    const refused = await check(tool, input, turn);
    if (refused) return { behavior: 'deny', message: refused };
    if (!turn || !matchesAny(tool, turn.approvalTools)) return { behavior: 'allow', updatedInput: input };
    const decided = await policy.permissions.ask(sessionId, { tool, input, toolUseId: toolUseID }, turn.emit, signal);
    if (decided.behavior !== 'allow' || !decided.updatedInput) return decided;
    const again = await check(tool, decided.updatedInput, turn);
    return again ? { behavior: 'deny', message: `The approved input was refused: ${again}` } : decided;
  };
}

/**
 * A PreToolUse hook answering `ask` for every call: the CLI approves some calls by itself (reads
 * inside its cwd) without asking canUseTool; this sends every one of them to the gate.
 */
export const askTheGate: HookCallback = async () => ({
  hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'ask', permissionDecisionReason: 'Every tool call is decided by the server.' },
});
