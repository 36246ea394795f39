import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInWorkspace, validateFilePath, validatePrefix } from './paths.js';

describe('validateFilePath', () => {
  it('takes plain relative paths, unicode and dots inside names included', () => {
    for (const p of ['a.txt', 'dir/sub/file.tar.gz', '.env', 'über/naïve…', '..hidden', 'a..b']) expect(validateFilePath(p)).toBe(p);
  });

  it('refuses every escape and malformed path with invalid_path', () => {
    const bad = ['', '/etc/passwd', '../x', 'a/../../x', 'a/..', '.', 'a/./b', 'a//b', 'a/', 'a\\..\\b', 'a\0b', 'a\nb', 'x'.repeat(256), `${'d/'.repeat(32)}f`, 'é'.repeat(513)];
    for (const p of bad) expect(() => validateFilePath(p), JSON.stringify(p)).toThrow(expect.objectContaining({ code: 'invalid_path' }));
  });

  it('prefixes may end in / but not climb', () => {
    expect(validatePrefix('')).toBe('');
    expect(validatePrefix('out/')).toBe('out/');
    expect(() => validatePrefix('../')).toThrow(expect.objectContaining({ code: 'invalid_path' }));
  });
});

describe('resolveInWorkspace', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'caa-paths-'));
    await mkdir(path.join(root, 'ws/dir'), { recursive: true });
    await writeFile(path.join(root, 'ws/dir/f.txt'), 'x');
    await writeFile(path.join(root, 'outside.txt'), 'secret');
    await symlink(root, path.join(root, 'ws/up'));
    await symlink(path.join(root, 'outside.txt'), path.join(root, 'ws/dir/link.txt'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));
  const ws = () => path.join(root, 'ws');

  it('finds files and new paths inside', async () => {
    expect(await resolveInWorkspace(ws(), 'dir/f.txt')).toEqual({ abs: path.join(ws(), 'dir/f.txt'), exists: true });
    expect(await resolveInWorkspace(ws(), 'new/deep/g.txt')).toEqual({ abs: path.join(ws(), 'new/deep/g.txt'), exists: false });
  });

  it('follows no symlink, in a directory or as the file, and refuses files used as directories', async () => {
    for (const p of ['up/outside.txt', 'up', 'dir/link.txt', 'dir/f.txt/x', 'dir']) {
      await expect(resolveInWorkspace(ws(), p), p).rejects.toMatchObject({ code: 'invalid_path' });
    }
  });
});
