import { plainCommand } from '../online.js';

export const health = plainCommand('health', { command: 'health' }, 'write logs/health_log.json now (as SIGUSR1 does) and print it');
