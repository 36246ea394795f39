import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import type { LostTurn, TurnQueue } from '../store/types.js';
import { Membership } from './membership.js';

/** The lease's log lines: an instance declared lost, the turns failed with it, this one fenced. */
describe('Membership logs', () => {
  it('names the lost instance, each failed turn with its ids, and our own fencing', async () => {
    let text = '';
    const log = createLogger({ level: 'info', pretty: false }, { write: (s: string) => void (text += s) });
    const lost: LostTurn = { turnId: 't-1', sessionId: 's-1', accountId: 'a-1', instanceId: 'dead-1' };
    const sweeps: string[] = [];
    let beats = 0;
    let fenced = 0;
    const queue = {
      registerInstance: async () => {},
      deregisterInstance: async () => {},
      heartbeat: async () => ++beats > 1, // the first beat finds our row gone
      failLost: async (_since: number, error: { code: string }) => {
        sweeps.push(error.code);
        return error.code === 'instance_lost' && sweeps.filter((c) => c === 'instance_lost').length === 1 ? [lost] : [];
      },
    } as unknown as TurnQueue;
    const membership = new Membership({
      queue,
      instanceId: 'me-1',
      home: 'host:/data',
      shared: true,
      leaseTtlMs: 300,
      now: Date.now,
      log,
      onLost: async () => {},
      onFenced: () => void fenced++,
    });
    await membership.start();
    const deadline = Date.now() + 5_000;
    while (beats < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await membership.stop();

    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(fenced).toBe(1);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'instance declared lost: its turns were failed', instance_id: 'dead-1', turns: 1, by_instance_id: 'me-1' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'turn failed: its instance is gone',
        code: 'instance_lost',
        session_id: 's-1',
        turn_id: 't-1',
        account_id: 'a-1',
        instance_id: 'dead-1',
      }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, instance_id: 'me-1', msg: expect.stringMatching(/declared lost/) }));
    expect(lines).toContainEqual(expect.objectContaining({ instance_id: 'me-1', msg: 'instance registered again; it takes new turns' }));
  });
});
