/** Where the client writes what it does. `console` fits. */
export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

const write =
  (method: 'warn' | 'error') =>
  (message: string, data?: Record<string, unknown>) =>
    data ? console[method](`[tributary] ${message}`, data) : console[method](`[tributary] ${message}`);

/** The default logger: warnings and errors to the console, nothing else. */
export const defaultLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: write('warn'),
  error: write('error'),
};
