import { reasonCommand } from '../online.js';

export const resumeEntries = reasonCommand('resume-entries', 'take entries again after pause-entries');
