import { reasonCommand } from '../online.js';

export const pauseEntries = reasonCommand('pause-entries', 'refuse new entries (exits and stops go on) until resume-entries');
