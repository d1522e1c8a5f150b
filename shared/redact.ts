/**
 * Secrets never reach a log, the health log, status.csv or an error message. Anything
 * keyed like a credential is replaced before it is rendered.
 */

const SECRET_KEY = /secret|password|apikey|api_key|token|passphrase|signature/i;

export function looksSecret(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A deep copy of `value` with every secret-looking key's value replaced by `[redacted]`. */
export function redact(value: unknown, key = ''): unknown {
  if (looksSecret(key) && value !== null && value !== undefined) return '[redacted]';
  if (Array.isArray(value)) return value.map((v) => redact(v));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}
