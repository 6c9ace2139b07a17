/**
 * The audit trail of who touched patient data: one JSON line per access, in its own append-only file
 * (0600, never the debug log), rotated by size. A record holds the user's identity, the client's
 * address, the action, the DICOM UIDs and the outcome, and never a patient's name or any other
 * attribute value: UIDs identify what was seen without repeating it.
 */
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export const auditActions = [
  'study-list',
  'metadata',
  'retrieve',
  'store',
  'classify',
  'sr-written',
  'heatmaps-written',
  'model-change',
  'login',
  'logout',
] as const;
export type AuditAction = (typeof auditActions)[number];

export type AuditOutcome = 'success' | 'failure' | 'refused';

export interface AuditEvent {
  readonly action: AuditAction;
  readonly outcome: AuditOutcome;
  /** Who: the principal's subject (`api-token`, the local user, the token's `sub`), or `anonymous`. */
  readonly user: string;
  readonly credential?: string;
  /** The client's IP address as the socket saw it. */
  readonly client?: string;
  readonly requestId?: string;
  /** The HTTP status the caller got, when the access was an HTTP request. */
  readonly status?: number;
  readonly StudyInstanceUID?: string;
  readonly SeriesInstanceUID?: string;
  readonly SOPInstanceUID?: string;
  /** A machine-readable detail: the route, the model id, a refusal reason. Never PHI. */
  readonly detail?: string;
}

export interface AuditSink {
  record(event: AuditEvent): void;
}

/** For tests and callers that do not audit (the CLI runs as the machine's user). */
export const noAudit: AuditSink = { record: () => undefined };

export interface AuditLogOptions {
  readonly file: string;
  /** Rotate when the file would pass this size: it becomes `<file>.<ISO time>` and a new one starts. */
  readonly maxBytes?: number;
  readonly now?: () => Date;
}

/**
 * Writes synchronously: a record is on disk (in the page cache) before the response leaves, and
 * lines from concurrent requests never interleave. An audit line is ~300 bytes; a write costs microseconds.
 */
export class AuditLog implements AuditSink {
  readonly file: string;
  readonly #maxBytes: number;
  readonly #now: () => Date;
  #fd: number;
  #size: number;

  constructor(options: AuditLogOptions) {
    this.file = options.file;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#now = options.now ?? (() => new Date());
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    this.#fd = openSync(this.file, 'a', 0o600);
    this.#size = fstatSync(this.#fd).size;
  }

  record(event: AuditEvent): void {
    const line = `${JSON.stringify({ time: this.#now().toISOString(), ...event })}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.#size > 0 && this.#size + bytes > this.#maxBytes) this.#rotate();
    writeSync(this.#fd, line);
    this.#size += bytes;
  }

  #rotate(): void {
    closeSync(this.#fd);
    renameSync(this.file, `${this.file}.${this.#now().toISOString().replace(/[:.]/g, '-')}`);
    this.#fd = openSync(this.file, 'a', 0o600);
    this.#size = 0;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
