import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chown, lstat, mkdir, open, opendir, rename, rm, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SessionArchivedError, SessionBusyError } from '../errors.js';
import type { SessionRecord } from '../store/types.js';
import { FileNotFoundError, FileTooLargeError, StorageQuotaError } from './errors.js';
import { resolveInWorkspace, validateFilePath, validatePrefix } from './paths.js';

export interface FileEntry {
  path: string;
  size: number;
  sha256: string;
  modifiedAt: number;
}

export interface FilesDeps {
  /** The session (404 for another account's), for its status. */
  getSession(accountId: string, sessionId: string): Promise<SessionRecord>;
  isBusy(sessionId: string): Promise<boolean>;
  workspaceOf(accountId: string, sessionId: string): string;
  /** Every workspace directory the account's files live in (for its storage quota). */
  workspacesOfAccount(accountId: string): AsyncIterable<string>;
  /** Where uploads are written before their rename: on the workspaces' filesystem, outside any workspace. */
  tmpDir: string;
  maxFileBytes: number;
  /** 0 = unlimited. */
  maxFilesPerSession: number;
  /** Uploaded files and directories are handed to the sandbox user when the server runs as root. */
  owner?: { uid: number; gid: number } | undefined;
}

/**
 * A session's workspace files, for clients. Every path goes through validateFilePath and then
 * resolveInWorkspace (no symlink followed). Changes are refused while a turn runs or waits
 * (`session_busy`): the agent owns its workspace during a turn, and an upload landing mid-turn
 * would make the turn's inputs depend on timing. Reads are allowed at any time.
 */
export class FilesService {
  constructor(private readonly deps: FilesDeps) {}

  async list(accountId: string, sessionId: string, prefix = ''): Promise<FileEntry[]> {
    validatePrefix(prefix);
    await this.deps.getSession(accountId, sessionId);
    const root = this.deps.workspaceOf(accountId, sessionId);
    const out: FileEntry[] = [];
    for await (const { rel, abs } of walk(root)) {
      if (!rel.startsWith(prefix)) continue;
      const st = await lstat(abs);
      out.push({ path: rel, size: st.size, sha256: await sha256Of(abs), modifiedAt: st.mtimeMs });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Opens a file for reading without following a symlink; the caller closes the handle. */
  async open(accountId: string, sessionId: string, rel: string): Promise<{ handle: FileHandle; entry: FileEntry }> {
    validateFilePath(rel);
    await this.deps.getSession(accountId, sessionId);
    const { abs, exists } = await resolveInWorkspace(this.deps.workspaceOf(accountId, sessionId), rel);
    if (!exists) throw new FileNotFoundError(rel);
    const handle = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const st = await handle.stat();
      const sha256 = await sha256Of(abs);
      return { handle, entry: { path: rel, size: st.size, sha256, modifiedAt: st.mtimeMs } };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /**
   * Streams `body` to a temporary file (hashing and counting as it goes), then renames it into
   * place: a reader sees the old file or the whole new one, and a failed or aborted upload leaves
   * nothing. `declaredBytes` (Content-Length) refuses an oversized upload before reading it;
   * `maxStorageBytes` is the account's quota (0 = none). `body` is opened only once every check
   * before reading has passed, so a refused request's body stays unread for the HTTP layer to drain.
   */
  async put(
    accountId: string,
    sessionId: string,
    rel: string,
    body: () => Readable,
    opts: { declaredBytes?: number | undefined; maxStorageBytes: number },
  ): Promise<FileEntry> {
    const { declaredBytes } = opts;
    validateFilePath(rel);
    const root = await this.writable(accountId, sessionId);
    const { maxFileBytes } = this.deps;
    if (declaredBytes !== undefined && declaredBytes > maxFileBytes) throw new FileTooLargeError(maxFileBytes);
    const target = await resolveInWorkspace(root, rel);
    if (!target.exists && this.deps.maxFilesPerSession > 0) {
      let files = 0;
      for await (const _ of walk(root)) files++;
      if (files + 1 > this.deps.maxFilesPerSession) throw new StorageQuotaError('session_files', this.deps.maxFilesPerSession, files);
    }
    await mkdir(this.deps.tmpDir, { recursive: true });
    const tmp = path.join(this.deps.tmpDir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxFileBytes) return done(new FileTooLargeError(maxFileBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body(), counter, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
      await this.checkAccountQuota(accountId, opts.maxStorageBytes, size - (target.exists ? (await lstat(target.abs)).size : 0));
      await this.mkdirs(root, rel);
      // Checked again right before the rename: a directory may have been swapped for a symlink meanwhile.
      await resolveInWorkspace(root, rel);
      if (this.deps.owner) await chown(tmp, this.deps.owner.uid, this.deps.owner.gid);
      await rename(tmp, target.abs);
    } finally {
      await rm(tmp, { force: true });
    }
    const st = await lstat(target.abs);
    return { path: rel, size, sha256: hash.digest('hex'), modifiedAt: st.mtimeMs };
  }

  async delete(accountId: string, sessionId: string, rel: string): Promise<void> {
    validateFilePath(rel);
    const root = await this.writable(accountId, sessionId);
    const { abs, exists } = await resolveInWorkspace(root, rel);
    if (!exists) throw new FileNotFoundError(rel);
    await rm(abs);
  }

  /** Bytes in all of the account's workspaces. */
  async accountBytes(accountId: string): Promise<number> {
    let bytes = 0;
    for await (const dir of this.deps.workspacesOfAccount(accountId)) {
      for await (const { abs } of walk(dir)) bytes += (await lstat(abs)).size;
    }
    return bytes;
  }

  private async checkAccountQuota(accountId: string, limit: number, addedBytes: number): Promise<void> {
    if (limit <= 0 || addedBytes <= 0) return;
    const used = await this.accountBytes(accountId);
    if (used + addedBytes > limit) throw new StorageQuotaError('account_bytes', limit, used);
  }

  private async writable(accountId: string, sessionId: string): Promise<string> {
    const session = await this.deps.getSession(accountId, sessionId);
    if (session.status === 'archived') throw new SessionArchivedError(sessionId);
    if (await this.deps.isBusy(sessionId)) throw new SessionBusyError(sessionId);
    const root = this.deps.workspaceOf(accountId, sessionId);
    await mkdir(root, { recursive: true });
    if (this.deps.owner) await chown(root, this.deps.owner.uid, this.deps.owner.gid);
    return root;
  }

  /** Creates the missing parent directories of `rel`, owned by the sandbox user. */
  private async mkdirs(root: string, rel: string): Promise<void> {
    let current = root;
    for (const segment of rel.split('/').slice(0, -1)) {
      current = path.join(current, segment);
      const made = await mkdir(current).then(() => true, (err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') return false;
        throw err;
      });
      if (made && this.deps.owner) await chown(current, this.deps.owner.uid, this.deps.owner.gid);
    }
  }
}

/** Regular files under `root` (symlinks and special files skipped, never followed). */
async function* walk(root: string, rel = ''): AsyncGenerator<{ rel: string; abs: string }> {
  const dir = await opendir(path.join(root, rel)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!dir) return;
  for await (const entry of dir) {
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walk(root, childRel);
    else if (entry.isFile()) yield { rel: childRel, abs: path.join(root, childRel) };
  }
}

async function sha256Of(abs: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(abs), hash);
  return hash.digest('hex');
}
