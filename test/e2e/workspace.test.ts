import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceNameFor } from '../../src/runtime/project-key.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

/** With a built-in file tool enabled, the agent reads inside its account's workspace and nowhere else. */
describe('account workspace confinement', () => {
  let t: TestServer;
  let workspace: string;
  beforeAll(async () => {
    t = await startTestServer({ CLAUDE_BUILTIN_TOOLS: 'Read', WORKSPACE_SCOPE: 'account' });
    workspace = path.join(t.config.workspacesDir, workspaceNameFor('local'));
    await mkdir(workspace, { recursive: true });
    await writeFile(path.join(workspace, 'notes.txt'), 'inside the workspace\n');
    await writeFile(path.join(t.dataDir, 'outside.txt'), 'secret of another account\n');
    // A link inside the workspace that points out of it must not be a way out.
    await symlink(t.dataDir, path.join(workspace, 'escape'));
  });
  afterAll(() => t.close());

  const read = async (file: string) => {
    const r = await t.json('POST', '/v1/sessions', {});
    const turn = await t.json('POST', `/v1/sessions/${r.body.id}/messages`, { message: `MOCK tool Read ${JSON.stringify({ file_path: file })}` });
    expect(turn.status).toBe(200);
    return turn.body.tool_calls[0] as { name: string; result: string; denied?: boolean };
  };

  it('reads a file in the workspace', async () => {
    const call = await read(path.join(workspace, 'notes.txt'));
    expect(call).toMatchObject({ name: 'Read' });
    expect(call.denied).toBeFalsy();
    expect(call.result).toContain('inside the workspace');
  });

  it('refuses files outside it, directly, by .. or through a symlink', async () => {
    for (const file of [path.join(t.dataDir, 'outside.txt'), path.join(workspace, '..', '..', 'outside.txt'), path.join(workspace, 'escape', 'outside.txt')]) {
      const call = await read(file);
      expect(call.denied).toBe(true);
      expect(call.result).toMatch(/outside/);
      expect(call.result).not.toContain('secret of another account');
    }
  });
});
