/**
 * What a failed exchange call means. The breaker asks one question of every failure: is the
 * exchange unreachable or not working? Timeouts, resets, 5xx, rate limits, maintenance and
 * answers we cannot parse say yes and count; an answer that refuses our request for a
 * business reason says the exchange works, and does not count.
 */
import ccxt from 'ccxt';
import { ErrorCode, TraderError } from '../../shared/errors.js';

export type FaultKind =
  /** No answer: timeout, reset, refused connection. */
  | 'unreachable'
  /** An answer that says the exchange is not working: 5xx, maintenance, an unknown internal error. */
  | 'unavailable'
  /** 429/418: the exchange asks us to back off (Retry-After). */
  | 'rate-limited'
  /** An answer that cannot be parsed or does not have the shape it must have. */
  | 'malformed'
  /** -1021: our clock is outside recvWindow. The exchange works; our requests are refused. */
  | 'clock'
  /** The credentials were refused. The exchange works; nothing signed will pass. */
  | 'auth'
  /** A business refusal: insufficient funds, invalid order, unknown order, bad symbol, bad request. */
  | 'rejected';

const COUNTED: ReadonlySet<FaultKind> = new Set(['unreachable', 'unavailable', 'rate-limited', 'malformed']);

export interface Fault {
  kind: FaultKind;
  /** Counts towards the breaker. */
  counts: boolean;
  /** The ccxt class (or JS error name) it came as, e.g. `RequestTimeout`. */
  name: string;
  /** OrderNotFound: the exchange does not know the order. */
  notFound: boolean;
  /** Binance's "Duplicate order sent." (-2010, an InvalidOrder): an open order with that client id exists. */
  duplicate: boolean;
}

/** An answer ccxt accepted but whose shape is wrong; ccxt often returns garbage instead of throwing. */
export class MalformedAnswer extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedAnswer';
  }
}

/** A well-formed answer the bot cannot represent (an order type it does not trade): a refusal, not an outage. */
export class UnsupportedAnswer extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedAnswer';
  }
}

function kindOf(err: unknown): FaultKind {
  if (err instanceof UnsupportedAnswer) return 'rejected';
  // Order matters: the ccxt hierarchy nests the special cases inside the broad classes.
  if (err instanceof MalformedAnswer || err instanceof ccxt.BadResponse || err instanceof ccxt.ChecksumError) return 'malformed';
  if (err instanceof ccxt.InvalidNonce) return 'clock';
  if (err instanceof ccxt.DDoSProtection || err instanceof ccxt.RateLimitExceeded) return 'rate-limited';
  if (err instanceof ccxt.ExchangeNotAvailable) return 'unavailable';
  if (err instanceof ccxt.NetworkError) return 'unreachable';
  if (err instanceof ccxt.CancelPending) return 'rejected';
  // Binance -1000 and other OperationFailed answers: the exchange failed to process the request.
  if (err instanceof ccxt.OperationFailed) return 'unavailable';
  if (err instanceof ccxt.AuthenticationError) return 'auth';
  if (err instanceof ccxt.BaseError) return 'rejected';
  // A TypeError or SyntaxError out of ccxt's parsers: the answer was garbage.
  return 'malformed';
}

export function classify(err: unknown): Fault {
  const kind = kindOf(err);
  return {
    kind,
    counts: COUNTED.has(kind),
    name: err instanceof Error ? err.constructor.name : typeof err,
    notFound: err instanceof ccxt.OrderNotFound,
    duplicate: err instanceof ccxt.InvalidOrder && /Duplicate order sent/i.test(err.message),
  };
}

const CODE: Record<FaultKind, ErrorCode> = {
  unreachable: ErrorCode.EXCHANGE_UNAVAILABLE,
  unavailable: ErrorCode.EXCHANGE_UNAVAILABLE,
  'rate-limited': ErrorCode.EXCHANGE_UNAVAILABLE,
  malformed: ErrorCode.EXCHANGE_UNAVAILABLE,
  clock: ErrorCode.EXCHANGE_CLOCK,
  auth: ErrorCode.EXCHANGE_AUTH,
  rejected: ErrorCode.EXCHANGE_REJECTED,
};

/** A failed exchange call, classified once, with the ccxt error as its cause. */
export class ExchangeCallError extends TraderError {
  constructor(
    readonly call: string,
    readonly fault: Fault,
    cause: unknown,
    /** From the Retry-After header of a 429/418. */
    readonly retryAfterMs?: number,
  ) {
    super(CODE[fault.kind], `${call}: ${fault.name}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ExchangeCallError';
  }
}

/** Retry-After is seconds or an HTTP date (RFC 9110); anything else is ignored. */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
