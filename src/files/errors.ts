import { DomainError } from '../errors.js';

export class FileNotFoundError extends DomainError {
  constructor(rel: string) {
    super('file_not_found', `No file ${JSON.stringify(rel.slice(0, 200))} in the session's workspace.`);
  }
}

export class FileTooLargeError extends DomainError {
  constructor(limit: number) {
    super('file_too_large', `The file exceeds the ${limit}-byte limit per file (MAX_FILE_BYTES).`, { limit });
  }
}

/** `quota`: which limit: the account's bytes (`max_storage_bytes`) or the files of one session. */
export class StorageQuotaError extends DomainError {
  constructor(quota: 'account_bytes' | 'session_files', limit: number, used: number) {
    const what = quota === 'account_bytes' ? `${limit} bytes of workspace storage (limits.max_storage_bytes)` : `${limit} files per session (MAX_FILES_PER_SESSION)`;
    super('storage_quota_exceeded', `This upload would go past ${what}; ${used} in use.`, { quota, limit, used });
  }
}

export class RangeNotSatisfiableError extends DomainError {
  constructor(size: number) {
    super('range_not_satisfiable', `The requested range is outside the file (${size} bytes).`, { size });
  }
}
