import type { Logger } from 'pino';
import type { Limits } from '../accounts/limits.js';
import type { SessionService } from '../sessions/service.js';
import type { StartedTurn, TurnService } from '../sessions/turns.js';
import type { ConversationHit, OpenAiIndex, ResponseRecord } from '../store/openai-index.js';
import type { SessionRecord, TurnRecord } from '../store/types.js';
import type { ChatRequest } from './chat.js';
import { conversationKey, promptOf, promptWithHistory, type Said } from './conversation.js';
import { ResponseNotFoundError } from './errors.js';
import { responseId, type ResponsesRequest } from './responses.js';

export interface OpenAiDeps {
  sessions: SessionService;
  turns: TurnService;
  index: OpenAiIndex;
  now: () => number;
  log: Logger;
  /** The server's default model (a session with model null runs on it). */
  defaultModel: string;
}

interface Caller {
  accountId: string;
  limits: Limits;
}

/** Where a message goes: an existing session, or a new one with these settings. */
type Target = { sessionId: string } | { newSession: { model: string; systemPrompt: string | null } };

/**
 * The OpenAI-compatible APIs on top of our sessions and turns: finds (or forks, or creates) the
 * session a request continues, starts the turn through TurnService (so auth, quotas, budgets,
 * if_busy, approvals and the event log are the same as on our own routes), and remembers what a
 * later request will look the session up by.
 */
export class OpenAiService {
  constructor(private readonly deps: OpenAiDeps) {}

  /**
   * Chat Completions: the session is the explicit one (`X-Session-Id` / `metadata.session_id`), or
   * the one whose answered conversation the request's history is, or a new one. Settles `done`
   * only once the conversation including this answer is recorded, so a client that sends its
   * next message the moment it has this answer finds the session.
   */
  async startChat(caller: Caller, req: ChatRequest, headerSessionId: string | undefined): Promise<StartedTurn> {
    const explicit = headerSessionId ?? req.sessionId;
    let target: Target;
    let prompt = promptOf(req.fresh);
    if (explicit) {
      target = { sessionId: (await this.adopt(caller, explicit, req.model, req.system)).id };
    } else if (req.prior.length === 0) {
      target = { newSession: { model: req.model, systemPrompt: req.system } };
    } else {
      const hit = await this.deps.index.findConversation(caller.accountId, conversationKey(caller.accountId, req.system, req.prior));
      if (hit) {
        // A UI may switch models mid-conversation: the session follows (its next turn, new process).
        const sessionId = await this.continueAt(caller, hit);
        target = { sessionId: (await this.adopt(caller, sessionId, req.model, null)).id };
      } else {
        // History no session has seen: a new session, with the history as context.
        target = { newSession: { model: req.model, systemPrompt: req.system } };
        prompt = promptWithHistory(req.prior, req.fresh);
      }
    }
    const started = await this.start(caller, target, prompt, req);
    const said: Said[] = [...req.prior, ...req.fresh.map((content) => ({ role: 'user' as const, content }))];
    const done = started.done.then(async (r) => {
      if (r.turn.status === 'succeeded') {
        const key = conversationKey(caller.accountId, req.system, [...said, { role: 'assistant', content: r.turn.responseText }]);
        await this.deps.index
          .saveConversation(caller.accountId, key, { sessionId: r.turn.sessionId, turnId: r.turn.id }, this.deps.now())
          .catch((err: unknown) => this.deps.log.error({ err, turn_id: r.turn.id }, 'could not record the conversation'));
      }
      return r;
    });
    return { ...started, done };
  }

  /**
   * Responses: `previous_response_id` continues that response's session (forked when the session
   * has moved on since), an explicit session id continues that one, else a new session whose
   * system prompt is `instructions`. The response id is recorded before this returns (unless
   * `store: false`), so it can be retrieved, cancelled and chained at once.
   */
  async startResponse(
    caller: Caller,
    req: ResponsesRequest,
    headerSessionId: string | undefined,
  ): Promise<{ started: StartedTurn; record: ResponseRecord }> {
    const explicit = headerSessionId ?? req.sessionId;
    let target: Target;
    if (req.previousResponseId) {
      const previous = await this.deps.index.getResponse(caller.accountId, req.previousResponseId);
      if (!previous) throw new ResponseNotFoundError(req.previousResponseId);
      const sessionId = await this.continueAt(caller, previous);
      await this.adopt(caller, sessionId, req.model, req.instructions);
      target = { sessionId };
    } else if (explicit) {
      target = { sessionId: (await this.adopt(caller, explicit, req.model, req.instructions)).id };
    } else {
      target = { newSession: { model: req.model, systemPrompt: req.instructions } };
    }
    const started = await this.start(caller, target, promptWithHistory(req.prior, req.fresh), req);
    const record: ResponseRecord = {
      id: responseId(started.turnId),
      accountId: caller.accountId,
      sessionId: started.sessionId,
      turnId: started.turnId,
      previousResponseId: req.previousResponseId,
      model: req.model,
      instructions: req.instructions,
      metadata: req.metadata,
      options: req.echo,
      createdAt: this.deps.now(),
    };
    if (req.store) await this.deps.index.saveResponse(record);
    return { started, record };
  }

  async getResponse(accountId: string, id: string): Promise<{ record: ResponseRecord; turn: TurnRecord }> {
    const record = await this.deps.index.getResponse(accountId, id);
    if (!record) throw new ResponseNotFoundError(id);
    return { record, turn: await this.deps.sessions.getTurn(accountId, record.sessionId, record.turnId) };
  }

  getTurn(accountId: string, record: ResponseRecord): Promise<TurnRecord> {
    return this.deps.sessions.getTurn(accountId, record.sessionId, record.turnId);
  }

  /** Interrupts the response's turn if it still runs (a finished one stays as it is). */
  async cancelResponse(accountId: string, id: string): Promise<ResponseRecord> {
    const { record } = await this.getResponse(accountId, id);
    await this.deps.turns.interrupt(accountId, record.sessionId, record.turnId);
    return record;
  }

  private start(caller: Caller, target: Target, message: string, req: ChatRequest | ResponsesRequest): Promise<StartedTurn> {
    return this.deps.turns.start({
      accountId: caller.accountId,
      limits: caller.limits,
      message,
      ...('sessionId' in target ? { sessionId: target.sessionId } : { newSession: target.newSession }),
      ...(req.ifBusy ? { ifBusy: req.ifBusy } : {}),
      outputSchema: req.outputSchema,
    });
  }

  /** An explicit session of the caller's; a different model or system prompt asked for is applied to it. */
  private async adopt(caller: Caller, sessionId: string, model: string, system: string | null): Promise<SessionRecord> {
    const session = await this.deps.sessions.get(caller.accountId, sessionId);
    const patch: { model?: string; systemPrompt?: string } = {};
    if (model !== (session.model ?? this.deps.defaultModel)) patch.model = model;
    if (system !== null && system !== session.systemPrompt) patch.systemPrompt = system;
    return Object.keys(patch).length > 0 ? this.deps.sessions.update(caller.accountId, sessionId, patch) : session;
  }

  /**
   * The session to continue after `hit`'s answer: the session itself while that answer is still
   * its latest turn, else a fork of it through that turn (the client went back and branched, e.g.
   * a regenerate or an edited message), so the agent never sees turns the client dropped.
   */
  private async continueAt(caller: Caller, hit: ConversationHit): Promise<string> {
    const { turns } = await this.deps.sessions.history(caller.accountId, hit.sessionId);
    if (turns.at(-1)?.id === hit.turnId) return hit.sessionId;
    const fork = await this.deps.sessions.fork(caller.accountId, hit.sessionId, { throughTurnId: hit.turnId }, caller.limits.maxSessions);
    return fork.id;
  }
}
