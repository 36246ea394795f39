import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

const TRANSCRIPT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/;

/**
 * Removes the CLI's local transcript files (`projects/<key>/<id>.jsonl` and `<id>/`) that were
 * last written before `cutoff` and whose session no longer exists in the store. Every instance
 * keeps its own copies, so every instance sweeps its own. Returns how many sessions' files went.
 */
export async function sweepLocalTranscripts(
  claudeConfigDir: string,
  cutoff: number,
  existing: (ids: string[]) => Promise<Set<string>>,
): Promise<number> {
  const projects = path.join(claudeConfigDir, 'projects');
  const old: Array<{ dir: string; id: string }> = [];
  for (const project of await readdir(projects).catch(() => [] as string[])) {
    const dir = path.join(projects, project);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const id = TRANSCRIPT.exec(name)?.[1];
      if (!id) continue;
      const mtime = await stat(path.join(dir, name)).then((s) => s.mtimeMs, () => Infinity);
      if (mtime < cutoff) old.push({ dir, id });
    }
  }
  if (old.length === 0) return 0;
  const alive = await existing(old.map((o) => o.id));
  let removed = 0;
  for (const { dir, id } of old) {
    if (alive.has(id)) continue;
    await removeTranscriptFiles(dir, id);
    removed++;
  }
  return removed;
}

/** The CLI's local copy of one session: `<id>.jsonl` and the `<id>/` dir of its subagents. */
export async function removeLocalTranscript(claudeConfigDir: string, projectKey: string, sessionId: string): Promise<void> {
  await removeTranscriptFiles(path.join(claudeConfigDir, 'projects', projectKey), sessionId);
}

async function removeTranscriptFiles(dir: string, sessionId: string): Promise<void> {
  await rm(path.join(dir, `${sessionId}.jsonl`), { force: true });
  await rm(path.join(dir, sessionId), { recursive: true, force: true });
}
