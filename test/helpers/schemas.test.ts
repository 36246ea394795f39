import { describe, expect, it } from 'vitest';
import { isOwnOrOrphaned, newRunPrefix } from './schemas.js';

describe('test schema ownership', () => {
  const own = newRunPrefix(1234);
  const other = newRunPrefix(5678);
  it('a run drops its own schemas and those of dead runs, never a live run’s or anyone else’s', () => {
    expect(own).toMatch(/^t[0-9a-z]+_[0-9a-f]{6}_$/);
    expect(isOwnOrOrphaned(`${own}e2e_x`, own, () => true)).toBe(true);
    expect(isOwnOrOrphaned(`${other}e2e_x`, own, () => true)).toBe(false);
    expect(isOwnOrOrphaned(`${other}e2e_x`, own, (pid) => pid !== 5678)).toBe(true);
    for (const foreign of ['public', 't_0a1b2c3d', 'tenant_data', 'agents']) expect(isOwnOrOrphaned(foreign, own, () => false)).toBe(false);
  });
});
