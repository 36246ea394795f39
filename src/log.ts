import pino, { type Logger } from 'pino';
import type { Config } from './config/config.js';

/** Structured JSON logs; credentials are redacted wherever they might appear. */
export function createLogger(config: Config['log']): Logger {
  return pino({
    level: config.level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.apiKey', '*.ANTHROPIC_API_KEY'],
      censor: '[redacted]',
    },
    ...(config.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}
