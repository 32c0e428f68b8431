/**
 * Store errors, each with a stable code and the database path in the message:
 * - STORE_OPEN_FAILED      the file cannot be opened or created (missing directory, permissions)
 * - STORE_CORRUPT          the file is not a SQLite database, or its pages are damaged
 * - STORE_VERSION_TOO_NEW  the schema was written by a newer ofguard than this one
 * - STORE_WRITE_FAILED     a batch could not be committed (disk full, read-only file)
 */
export type StoreErrorCode = 'STORE_OPEN_FAILED' | 'STORE_CORRUPT' | 'STORE_VERSION_TOO_NEW' | 'STORE_WRITE_FAILED';

export const STORE_ERROR_CODES: readonly StoreErrorCode[] = ['STORE_OPEN_FAILED', 'STORE_CORRUPT', 'STORE_VERSION_TOO_NEW', 'STORE_WRITE_FAILED'];

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${path}: ${detail}`, options);
  }
}
