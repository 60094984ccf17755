import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface CreateLoggerOptions {
  /** Wins over env.LOG_LEVEL. Default 'info'. */
  readonly level?: LogLevel;
  /** Reads LOG_LEVEL when `level` is not given. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where JSON lines go. Default: stdout (pino's synchronous destination). */
  readonly destination?: DestinationStream;
  /** Fields bound to every line, e.g. { service: 'sluice-router', replica: 'r-1' }. */
  readonly bindings?: Readonly<Record<string, unknown>>;
}

/**
 * A pino logger writing one JSON object per line: `level` as a label ("info"), `time` as an ISO
 * string, `msg`, plus bindings. Authorization headers and API keys are redacted wherever they
 * appear under `headers`. Throws RangeError on an unknown level.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const fromEnv = options.env?.['LOG_LEVEL']?.trim();
  const level = options.level ?? (fromEnv === undefined || fromEnv === '' ? 'info' : fromEnv);
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new RangeError(`unknown log level ${JSON.stringify(level)} (expected one of ${LOG_LEVELS.join(', ')})`);
  }
  const settings: LoggerOptions = {
    level,
    base: { ...(options.bindings ?? {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [
        'headers.authorization',
        'headers["x-api-key"]',
        'headers.cookie',
        'headers["proxy-authorization"]',
        '*.headers.authorization',
        '*.headers["x-api-key"]',
        '*.headers.cookie',
        '*.headers["proxy-authorization"]',
        'password',
        '*.password',
        'sentinelPassword',
        '*.sentinelPassword',
        'token',
        '*.token',
        'apiKey',
        '*.apiKey',
      ],
      censor: '[redacted]',
    },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}

/** A child logger that stamps `request_id` (and any extra fields) on every line. */
export function requestLogger(logger: Logger, requestId: string, fields: Readonly<Record<string, unknown>> = {}): Logger {
  return logger.child({ request_id: requestId, ...fields });
}
