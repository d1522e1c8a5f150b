import { randomBytes } from 'node:crypto';
import type { OrderRole } from '../../shared/domain.js';

const ROLE_TAG: Record<OrderRole, string> = { entry: 'e', exit: 'x', stop: 's' };

/**
 * A client order id unique across restarts and respawns: role tag, time, and 48 random
 * bits, within Binance's `^[.A-Z:/a-z0-9_-]{1,36}$`. It is journaled before the order
 * leaves, and it is how a retry asks the exchange whether the order already exists.
 */
export function newClientOrderId(role: OrderRole, now = Date.now()): string {
  return `tg-${ROLE_TAG[role]}-${now.toString(36)}-${randomBytes(6).toString('hex')}`;
}
