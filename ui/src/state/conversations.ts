import { ApiError, type Api } from '../api/client';
import { followTurn, type ConnectionState, type FollowEnd } from '../api/stream';
import type { StreamEvent } from '../api/types';
import {
  applyEvent,
  failLocally,
  fromHistory,
  lastUserMessage,
  runningEntry,
  userEntry,
  type AssistantEntry,
  type Entry,
} from './entries';

export interface Conversation {
  loading: boolean;
  /** The history could not be loaded (missing session, say). */
  loadError: unknown;
  entries: Entry[];
  /** A turn is being sent or streamed: no second send. */
  running: boolean;
  connection: ConnectionState | null;
}

const isBusy = (err: unknown) => err instanceof ApiError && err.code === 'session_busy';

const EMPTY: Conversation = { loading: false, loadError: null, entries: [], running: false, connection: null };

export interface StoreEvents {
  /** A request failed in a way the user must hear about. */
  onError(err: unknown): void;
  /** A turn ended (or a send was refused): totals and the sidebar changed. */
  onTurnEnd(sessionId: string): void;
}

/**
 * Every open conversation, outside React: a turn keeps streaming while you look at another
 * session, and sending is an action, not an effect, so nothing is sent twice. Components read it
 * with useSyncExternalStore.
 */
export class ConversationStore {
  private convs = new Map<string, Conversation>();
  private streams = new Map<string, AbortController>();
  /** Sessions whose history was shown once: a failed refresh keeps it on screen. */
  private loaded = new Set<string>();
  private listeners = new Set<() => void>();
  private emitTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly api: Api,
    private readonly events: StoreEvents,
  ) {}

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  };

  get = (id: string | null): Conversation => (id && this.convs.get(id)) || EMPTY;

  /** Shows a session: loads its history (again, unless a turn is streaming into it). */
  open(id: string): void {
    if (this.streams.has(id)) return;
    void this.load(id);
  }

  /** Drops a deleted session, stopping its stream. */
  forget(id: string): void {
    this.streams.get(id)?.abort();
    this.streams.delete(id);
    this.convs.delete(id);
    this.loaded.delete(id);
    this.emit();
  }

  /**
   * Sends a message. Resolves once the server took it (true) or refused it (false, and the error
   * was reported); the answer then streams into the conversation.
   */
  send(id: string, text: string): Promise<boolean> {
    if (this.streams.has(id)) return Promise.resolve(false);
    const known = new Set(this.get(id).entries.map((e) => e.turnId));
    const user = userEntry(text);
    const answer = runningEntry();
    this.update(id, (c) => ({ ...c, loadError: null, running: true, entries: [...c.entries, user, answer] }));

    return new Promise((accepted) => {
      const start = async (signal: AbortSignal) => {
        const res = await this.api.raw(`/v1/sessions/${id}/messages`, {
          method: 'POST',
          headers: { Accept: 'text/event-stream' },
          body: JSON.stringify({ message: text, stream: true, if_busy: 'reject' }),
          signal,
        });
        // A refusal is only final once follow() has ruled out our own resent copy (see there).
        if (res.ok) accepted(true);
        return res;
      };
      // If the POST itself dropped, our turn is the newest one the history has and we did not know.
      const findTurn = async () => {
        const last = lastUserMessage(await this.api.history(id));
        return last && !known.has(last.turn_id) && last.content === text ? last.turn_id : null;
      };
      void this.follow(id, answer.key, { start, findTurn }).then((outcome) => {
        accepted(outcome !== 'refused');
        if (outcome === 'refused') {
          // Nothing was recorded: take the optimistic pair back out.
          this.update(id, (c) => ({ ...c, entries: c.entries.filter((e) => e !== user && e.key !== answer.key) }));
        }
      });
    });
  }

  interrupt(id: string): void {
    this.api.interrupt(id).catch((err: unknown) => this.events.onError(err));
  }

  async decide(id: string, requestId: string, decision: 'allow' | 'deny', note: string): Promise<void> {
    try {
      await this.api.decide(id, requestId, decision, note.trim() || undefined);
      // The stream says so too (permission.resolved); do not wait for it to hide the buttons.
      this.updateAnswers(id, (a) => ({ ...a, approvals: a.approvals.filter((p) => p.requestId !== requestId) }));
    } catch (err) {
      this.events.onError(err);
      if (err instanceof ApiError && err.code === 'permission_not_found') {
        this.updateAnswers(id, (a) => ({ ...a, approvals: a.approvals.filter((p) => p.requestId !== requestId) }));
      }
    }
  }

  private async load(id: string): Promise<void> {
    const cached = this.loaded.has(id) || this.get(id).entries.length > 0;
    this.update(id, (c) => ({ ...c, loading: !cached, loadError: null }));
    try {
      const { entries, runningTurn } = fromHistory(await this.api.history(id));
      if (this.streams.has(id)) return; // a send started meanwhile: it owns the entries now
      this.loaded.add(id);
      this.update(id, (c) => ({ ...c, loading: false, entries }));
      const answer = entries.at(-1);
      if (runningTurn && answer) void this.follow(id, answer.key, { turnId: runningTurn, findTurn: async () => runningTurn });
    } catch (err) {
      // A first load that fails gets its own panel; a refresh of a shown conversation, the banner.
      this.update(id, (c) => ({ ...c, loading: false, loadError: cached ? null : err }));
      if (cached && !(err instanceof ApiError && err.status === 401)) this.events.onError(err);
    }
  }

  /** Streams a turn into the answer entry `key`, reconnecting as needed. */
  private async follow(
    id: string,
    key: string,
    how: { start?: (signal: AbortSignal) => Promise<Response>; turnId?: string; findTurn: () => Promise<string | null> },
  ): Promise<'done' | 'refused'> {
    const ctrl = new AbortController();
    this.streams.set(id, ctrl);
    this.update(id, (c) => ({ ...c, running: true }));
    let start = how.start;
    let turnId = how.turnId ?? null;
    let posted = false; // the server took the message: from here on, it is recorded
    let outcome: 'done' | 'refused' = 'done';
    try {
      for (;;) {
        try {
          const first = start;
          const end = await followTurn({
            api: this.api,
            sessionId: id,
            ...(first
              ? {
                  start: async () => {
                    const res = await first(ctrl.signal);
                    posted = res.ok;
                    return res;
                  },
                }
              : {}),
            turnId,
            findTurn: how.findTurn,
            onEvent: (ev) => this.onEvent(id, key, ev),
            onConnection: (connection) => this.update(id, (c) => ({ ...c, connection })),
            signal: ctrl.signal,
          });
          await this.ended(id, key, ctrl, end);
          break;
        } catch (err) {
          // A browser may resend a POST whose connection broke: the copy finds our own turn
          // running (session_busy). If the history shows our message as the newest, follow it.
          const mine = start && !posted && isBusy(err) ? await how.findTurn().catch(() => null) : null;
          if (mine) {
            start = undefined;
            turnId = mine;
            continue;
          }
          throw err;
        }
      }
    } catch (err) {
      // Refused before it started (busy, archived, budget, 401…), or a hard error while reattaching.
      if (how.start && !posted) outcome = 'refused';
      else this.updateAnswer(id, key, (a) => failLocally(a, 'request_failed', 'This answer could not be followed to its end.'));
      if (!(err instanceof ApiError && err.status === 401)) this.events.onError(err);
    } finally {
      if (this.streams.get(id) === ctrl) this.streams.delete(id);
      if (!ctrl.signal.aborted) {
        // A reload in ended() may have attached a new stream: then the session is still running.
        if (!this.streams.has(id)) this.update(id, (c) => ({ ...c, running: false, connection: null }));
        this.events.onTurnEnd(id);
      }
    }
    return outcome;
  }

  /** After a stream that did not reach its terminal event: say so, and reload what the server has. */
  private async ended(id: string, key: string, ctrl: AbortController, end: FollowEnd): Promise<void> {
    if (end === 'finished' || end === 'aborted') return;
    const known = this.answer(id, key)?.turnId;
    if (end === 'lost' && !known) {
      this.updateAnswer(id, key, (a) =>
        failLocally(a, 'network_error', 'The message could not be sent: the server could not be reached.'),
      );
      return;
    }
    // Expired events (410) or a turn that vanished: the history is the truth now.
    if (end === 'expired') this.events.onError(new ApiError(410, 'events_expired', ''));
    if (this.streams.get(id) === ctrl) this.streams.delete(id);
    await this.load(id);
  }

  private onEvent(id: string, key: string, ev: StreamEvent): void {
    this.update(id, (c) => ({
      ...c,
      entries: c.entries.map((e, i) => {
        if (e.key === key && e.kind === 'assistant') return applyEvent(e, ev);
        // turn.started names the turn: the question right before the answer gets it too.
        if (ev.type === 'turn.started' && e.kind === 'user' && c.entries[i + 1]?.key === key) return { ...e, turnId: ev.turn_id };
        return e;
      }),
    }));
  }

  private answer(id: string, key: string): AssistantEntry | undefined {
    const e = this.get(id).entries.find((x) => x.key === key);
    return e?.kind === 'assistant' ? e : undefined;
  }

  private updateAnswer(id: string, key: string, fn: (a: AssistantEntry) => AssistantEntry): void {
    this.update(id, (c) => ({ ...c, entries: c.entries.map((e) => (e.key === key && e.kind === 'assistant' ? fn(e) : e)) }));
  }

  private updateAnswers(id: string, fn: (a: AssistantEntry) => AssistantEntry): void {
    this.update(id, (c) => ({ ...c, entries: c.entries.map((e) => (e.kind === 'assistant' ? fn(e) : e)) }));
  }

  private update(id: string, fn: (c: Conversation) => Conversation): void {
    this.convs.set(id, fn(this.get(id)));
    this.emit();
  }

  /** Coalesces bursts of text deltas into one render per frame or so. */
  private emit(): void {
    if (this.emitTimer !== null) return;
    this.emitTimer = setTimeout(() => {
      this.emitTimer = null;
      for (const fn of this.listeners) fn();
    }, 16);
  }
}
