import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config/config.js';

/**
 * Where credentials could sit in a logged object. Nothing logs request headers or the config on
 * purpose (the request line carries no headers at all); these catch an object that slips through.
 */
const SECRET_FIELDS = ['authorization', 'cookie', 'apiKey', 'adminKey', 'ANTHROPIC_API_KEY', 'ADMIN_API_KEY', '["x-api-key"]'];
const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => {
  const nested = f.startsWith('[') ? f : `.${f}`;
  return [f, `*${nested}`, `*.*${nested}`];
});

/** Secrets shorter than this are not scrubbed by value (they would match ordinary text). */
const MIN_SCRUB_LENGTH = 8;

/**
 * Structured JSON logs (human-readable with `pretty`); credentials are redacted wherever they
 * might appear: by field name, and the configured secrets by value in every line written.
 */
export function createLogger(
  config: Pick<Config['log'], 'level' | 'pretty'> & Partial<Pick<Config['log'], 'secrets'>>,
  destination?: DestinationStream,
): Logger {
  const secrets = (config.secrets ?? []).filter((s) => s.length >= MIN_SCRUB_LENGTH);
  const options: pino.LoggerOptions = {
    level: config.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(secrets.length > 0
      ? { hooks: { streamWrite: (line: string) => secrets.reduce((out, s) => out.replaceAll(s, '[redacted]'), line) } }
      : {}),
  };
  if (destination) return pino(options, destination);
  return pino({ ...options, ...(config.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}) });
}
