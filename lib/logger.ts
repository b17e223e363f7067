import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * The one root logger of a process. Credentials and personal data are redacted wherever they
 * appear in a logged object, so a log line can be shared in a ticket.
 */
export function createLogger(options: {
  name: string;
  level?: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          '*.authorization',
          'token',
          '*.token',
          'email',
          '*.email',
          'phone',
          '*.phone',
          'variables',
          '*.variables',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}

/** A logger that writes nothing, for tests and factories given no logger. */
export const silentLogger: Logger = pino({ level: 'silent' });
