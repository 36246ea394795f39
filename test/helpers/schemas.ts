import { randomBytes } from 'node:crypto';

/**
 * PostgreSQL schemas of one test run. Several runs may share one database (two engineers, CI and
 * a session on one machine), so every schema a run creates starts with that run's own prefix
 * `t<pid>_<rand>_`: the global setup of a run drops only its own schemas, and those of runs whose
 * main process is gone (a run that was killed before it could clean up).
 */
const PREFIX_RE = /^t([0-9a-z]+)_[0-9a-f]{6}_/;

/** This run's prefix: made by the global setup, inherited by every test worker through the env. */
export function runPrefix(): string {
  const prefix = process.env.TEST_RUN_SCHEMA_PREFIX;
  if (!prefix) throw new Error('TEST_RUN_SCHEMA_PREFIX is unset: run the tests through vitest (test/global-setup.ts)');
  return prefix;
}

/** A new prefix for the run whose main process is `pid`. */
export function newRunPrefix(pid = process.pid): string {
  return `t${pid.toString(36)}_${randomBytes(3).toString('hex')}_`;
}

/** A schema name of this run: `tag` is lower-case letters, digits and `_`. At most 63 characters. */
export function testSchema(tag: string): string {
  return `${runPrefix()}${tag}`.slice(0, 63);
}

/** Whether `schema` belongs to this run, or to a run whose main process no longer exists. */
export function isOwnOrOrphaned(schema: string, own: string, alive: (pid: number) => boolean): boolean {
  if (schema.startsWith(own)) return true;
  const m = PREFIX_RE.exec(schema);
  return m !== null && !alive(parseInt(m[1]!, 36));
}
