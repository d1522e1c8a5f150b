/**
 * A content checksum of fills, the same for the journal and for a database: each row is
 * encoded canonically as the JSON array of its seq and the journal's own cells
 * (`fillFormat.encode` of the decoded fill), so two copies agree exactly when every field
 * of every row reads back the same, whatever quoting or number spelling the file used.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Fill } from '../shared/domain.js';
import { fillFormat } from '../workers/persistence/index.js';

export class RowDigest {
  private readonly hash: Hash = createHash('sha256');
  rows = 0;
  lastSeq = 0;

  add(seq: number, fill: Fill): void {
    this.hash.update(`${JSON.stringify([seq, ...fillFormat.encode(fill)])}\n`);
    this.rows += 1;
    this.lastSeq = seq;
  }

  /** The checksum so far; the digest can go on growing afterwards. */
  hex(): string {
    return this.hash.copy().digest('hex');
  }
}
