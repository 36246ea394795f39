import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DomainError, MessageTooLargeError } from '../errors.js';
import type { PermissionDecision } from '../runtime/permissions.js';
import type { StoreBus } from '../store/types.js';
import type { Hub } from './hub.js';

/** What one instance asks of the instance that runs a turn. */
export type ControlRequest =
  | { op: 'interrupt'; sessionId: string; turnId: string }
  | { op: 'permission'; sessionId: string; requestId: string; decision: PermissionDecision };

type Wire = { call: string; req: ControlRequest; from: string } | { reply: string; ok: boolean };

export interface ControlHandlers {
  /** Does what another instance (or this one) asks about a turn running here. */
  call(req: ControlRequest): Promise<boolean>;
  /** A session was deleted through another instance. */
  forget(sessionId: string): void;
}

const CALL_TIMEOUT_MS = 5_000;
const FORGET = 'forget:';

/** The instance that runs a turn did not answer: it is most likely gone, and its turn with it. */
export class InstanceUnreachableError extends DomainError {
  constructor(instanceId: string) {
    super('instance_unreachable', `The instance running this turn (${instanceId}) did not answer; try again shortly.`, {
      retry_after_s: 5,
    });
  }
}

/**
 * This instance's membership in a deployment: its id, and request/reply calls to other instances
 * over the store's bus (interrupts and tool approvals reach the instance that runs the turn).
 * With no bus there is only this instance, and every call is local.
 */
export class Control {
  readonly instanceId = randomUUID();
  private readonly calls = new Map<string, (ok: boolean) => void>();
  private handlers: ControlHandlers = { call: async () => false, forget: () => {} };

  constructor(
    private readonly bus: StoreBus | null,
    private readonly hub: Hub,
    private readonly log: Logger,
  ) {}

  /** Starts answering calls and relaying other instances' wake-ups to the hub. */
  async listen(handlers: ControlHandlers): Promise<void> {
    this.handlers = handlers;
    await this.bus?.listen(this.instanceId, {
      onKey: (key) => (key.startsWith(FORGET) ? handlers.forget(key.slice(FORGET.length)) : this.hub.wake(key)),
      onMessage: (body) => void this.receive(body as Wire),
    });
  }

  /** Tells every other instance a session was deleted: a warm process of it there must go. */
  forgetEverywhere(sessionId: string): void {
    this.bus?.publish(`${FORGET}${sessionId}`).catch((err: unknown) => {
      this.log.warn({ err, session_id: sessionId }, 'could not tell other instances about a deleted session');
    });
  }

  /** Runs `req` on instance `to` (here, when it is this one) and returns its answer. */
  async call(to: string, req: ControlRequest): Promise<boolean> {
    if (to === this.instanceId || !this.bus) return this.handlers.call(req);
    const id = randomUUID();
    const answer = new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(id);
        reject(new InstanceUnreachableError(to));
      }, CALL_TIMEOUT_MS);
      this.calls.set(id, (ok) => {
        clearTimeout(timer);
        this.calls.delete(id);
        resolve(ok);
      });
    });
    try {
      await this.bus.send(to, { call: id, req, from: this.instanceId } satisfies Wire);
    } catch (err) {
      this.calls.get(id)?.(false);
      // NOTIFY payloads are small: an approval with a large updated_input cannot be forwarded.
      if (err instanceof RangeError) throw new MessageTooLargeError(Buffer.byteLength(JSON.stringify(req)), this.bus.maxMessageBytes);
      throw err;
    }
    return answer;
  }

  private async receive(wire: Wire): Promise<void> {
    if ('reply' in wire) {
      this.calls.get(wire.reply)?.(wire.ok);
      return;
    }
    let ok = false;
    try {
      ok = await this.handlers.call(wire.req);
    } catch (err) {
      this.log.error({ err, op: wire.req.op }, 'a call from another instance failed');
    }
    await this.bus!.send(wire.from, { reply: wire.call, ok } satisfies Wire).catch((err: unknown) => {
      this.log.warn({ err }, 'could not answer another instance');
    });
  }
}
