#!/usr/bin/env node
// Regenerates samples/multiarch.tar: a small image for 7 platforms (linux/amd64, arm64/v8, arm/v7, arm/v6,
// 386, ppc64le, s390x), each with 2 gzip layers: a base layer shared by every platform and a platform layer
// with a whiteout (it deletes /etc/motd.old from the base), a symlink and a hard link.
// The archive is written by `ferry export --all-platforms`, so it is both an OCI layout and a docker-save
// archive. Run after `npm run build`:  node samples/make-samples.mjs
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { Store } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const NAME = 'docker.io/library/ferry-sample:1.0';
const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
  { os: 'linux', architecture: 'arm', variant: 'v6' },
  { os: 'linux', architecture: '386' },
  { os: 'linux', architecture: 'ppc64le' },
  { os: 'linux', architecture: 's390x' },
];
const MTIME = new Date('2024-01-01T00:00:00Z');

async function tarOf(entries) {
  const pack = tar.pack();
  const chunks = [];
  pack.on('data', (c) => chunks.push(c));
  const ended = new Promise((resolve) => pack.on('end', resolve));
  for (const e of entries) {
    await new Promise((resolve, reject) => {
      const header = { name: e.name, type: e.type ?? 'file', mode: e.mode ?? (e.type === 'directory' ? 0o755 : 0o644), mtime: MTIME, linkname: e.linkname };
      const cb = (err) => (err ? reject(err) : resolve());
      if ((e.type ?? 'file') === 'file') pack.entry(header, Buffer.from(e.data ?? ''), cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const label = (p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

async function put(store, mediaType, bytes, extra = {}) {
  const desc = { mediaType, digest: sha256(bytes), size: bytes.length, ...extra };
  await store.write(desc, Readable.from([bytes]));
  return desc;
}

async function layer(store, entries) {
  const plain = await tarOf(entries);
  const desc = await put(store, 'application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(plain, { level: 9 }));
  return { desc, diffID: sha256(plain) };
}

const root = mkdtempSync(join(tmpdir(), 'ferry-samples-'));
try {
  const store = await Store.open(root);
  const base = await layer(store, [
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', data: 'NAME="ferry sample"\nID=ferry-sample\nVERSION_ID=1.0\n' },
    { name: 'etc/motd.old', data: 'this file is deleted by a whiteout in the platform layer\n' },
    { name: 'usr/', type: 'directory' },
    { name: 'usr/share/', type: 'directory' },
    { name: 'usr/share/ferry/', type: 'directory' },
    { name: 'usr/share/ferry/README', data: 'A sample image for ferry: one base layer shared by 7 platforms.\n' },
  ]);
  const manifests = [];
  for (const p of PLATFORMS) {
    const own = await layer(store, [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/.wh.motd.old' },
      { name: 'etc/motd', data: `Welcome to the ferry sample for ${label(p)}\n` },
      { name: 'usr/', type: 'directory' },
      { name: 'usr/bin/', type: 'directory' },
      { name: 'usr/bin/hello', data: `#!/bin/sh\necho "hello from ${label(p)}"\n`, mode: 0o755 },
      { name: 'usr/bin/hi', type: 'symlink', linkname: 'hello' },
      { name: 'usr/bin/hello-again', type: 'link', linkname: 'usr/bin/hello' },
    ]);
    const config = Buffer.from(JSON.stringify({
      created: MTIME.toISOString(),
      architecture: p.architecture,
      os: p.os,
      ...(p.variant ? { variant: p.variant } : {}),
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/usr/bin/hello'] },
      rootfs: { type: 'layers', diff_ids: [base.diffID, own.diffID] },
      history: [{ created: MTIME.toISOString(), created_by: 'ADD base /' }, { created: MTIME.toISOString(), created_by: `ADD ${label(p)} /` }],
    }));
    const configDesc = await put(store, 'application/vnd.oci.image.config.v1+json', config);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: configDesc,
      layers: [base.desc, own.desc],
    }));
    manifests.push(await put(store, 'application/vnd.oci.image.manifest.v1+json', manifest, { platform: p }));
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  const target = await put(store, 'application/vnd.oci.image.index.v1+json', index);
  await store.putImages([{ name: NAME, target }]);
  const out = join(here, 'multiarch.tar');
  execFileSync(process.execPath, [join(here, '..', 'bin', 'ferry'), '--root', root, 'export', '--all-platforms', '--docker-platform', 'linux/amd64', out, NAME], { stdio: 'inherit' });
} finally {
  rmSync(root, { recursive: true, force: true });
}
