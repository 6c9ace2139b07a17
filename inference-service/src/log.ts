/**
 * The sidecar's one logger: JSON lines, one object per event, every line tagged with the component
 * that wrote it. Children add fields (a request id, an Orthanc instance id) without repeating them.
 */

export const logLevels = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines also carry `fields` (and a narrower tag when `fields.tag` is given). */
  child(fields: LogFields): Logger;
}

/** Where lines go: stdout by default; tests pass an array-backed sink to read what was logged. */
export type LogSink = (line: string) => void;

export interface LoggerOptions {
  readonly tag: string;
  readonly level?: LogLevel;
  readonly sink?: LogSink;
  readonly now?: () => Date;
}

const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};

/** Errors do not survive JSON.stringify (their fields are not enumerable): keep what a reader needs. */
function serialisable(value: unknown): unknown {
  if (value instanceof Error) {
    const cause = (value as { cause?: unknown }).cause;
    return {
      name: value.name,
      message: value.message,
      ...(cause === undefined ? {} : { cause: serialisable(cause) }),
    };
  }
  return value;
}

export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const threshold = logLevels.indexOf(options.level ?? 'info');
  const sink = options.sink ?? stdoutSink;
  const now = options.now ?? (() => new Date());

  const write = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (logLevels.indexOf(level) < threshold) return;
    const entry: LogFields = { time: now().toISOString(), level, tag: options.tag, msg: message, ...bound };
    for (const [key, value] of Object.entries(fields ?? {})) entry[key] = serialisable(value);
    sink(JSON.stringify(entry));
  };

  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (fields) => {
      const { tag, ...rest } = fields;
      const childOptions = typeof tag === 'string' ? { ...options, tag: `${options.tag}:${tag}` } : options;
      return createLogger(childOptions, { ...bound, ...rest });
    },
  };
}

/** A logger that drops everything, for callers that were not given one. */
export const silentLogger: Logger = createLogger({ tag: 'silent', sink: () => undefined });
