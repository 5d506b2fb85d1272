/** The logging surface domain code may use (pino-compatible), so domain code never imports pino. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Paths pino must never print. Tokens, secrets, passwords and phone content stay out of logs. */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['idempotency-key']",
  'res.headers["set-cookie"]',
  "password",
  "*.password",
  "secret",
  "*.secret",
  "token",
  "*.token",
  "access_token",
  "refresh_token",
  "client_secret",
  "*.client_secret",
];

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
