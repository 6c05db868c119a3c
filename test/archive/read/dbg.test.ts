import { it } from 'vitest';
import { sniffArchiveCompression } from '../../../src/archive/read/peek.js';
import { tarBytes, streamToBuffer } from '../../helpers/tar.js';
import { chunked } from './read-helpers.js';
it('dbg', async () => {
  const t = await tarBytes([{ name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' }, { name: 'x', data: 'abc' }]);
  const s = await sniffArchiveCompression(chunked(t));
  console.log(s.compression, t.length, (await streamToBuffer(s.stream)).length);
  const s2 = await sniffArchiveCompression(chunked(t, 100));
  console.log(s2.compression, t.length, (await streamToBuffer(s2.stream)).length);
});
