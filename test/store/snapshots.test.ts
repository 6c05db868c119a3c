import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import { snapshotName } from '../../src/store/snapshots.js';
import { snapshotPath } from '../../src/unpack/snapshot.js';

describe('snapshot names', () => {
  it('are the names unpack gives its snapshots, for no, one and several layers', () => {
    const diffIDs = ['a', 'b', 'c'].map((s) => digestOf(s));
    for (const n of [0, 1, 3]) expect(snapshotName(diffIDs.slice(0, n))).toBe(basename(snapshotPath('/store', diffIDs.slice(0, n))));
  });
});
