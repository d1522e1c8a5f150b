import { plainCommand } from '../online.js';

export const checkpoint = plainCommand('checkpoint', { command: 'checkpoint-now' }, 'checkpoint trades.db now (written atomically and verified)');
