// Cases follow distribution/reference's normalize_test.go and reference_test.go, so ferry reads names the way
// docker and containerd do.
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../src/errors.js';
import {
  familiarName,
  formatReference,
  isTagOnly,
  MAX_REFERENCE_LENGTH,
  normalizeName,
  parseReference,
  repositoryName,
  withDigest,
  withTag,
  type Reference,
} from '../../src/oci/reference.js';
import { thrown } from '../helpers/thrown.js';

const SHA256 = `sha256:${'f'.repeat(64)}`;
const SHA512 = `sha512:${'f'.repeat(128)}`;
const REDIS_DIGEST = 'sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';

describe('parseReference normalizes like docker', () => {
  const cases: Array<[input: string, expected: Reference]> = [
    // familiar names on Docker Hub
    ['busybox', { domain: 'docker.io', path: 'library/busybox', tag: 'latest' }],
    ['redis:latest', { domain: 'docker.io', path: 'library/redis', tag: 'latest' }],
    ['alpine:3.19', { domain: 'docker.io', path: 'library/alpine', tag: '3.19' }],
    ['debian', { domain: 'docker.io', path: 'library/debian', tag: 'latest' }],
    ['library/debian', { domain: 'docker.io', path: 'library/debian', tag: 'latest' }],
    ['docker/docker', { domain: 'docker.io', path: 'docker/docker', tag: 'latest' }],
    ['dmcgowan/myapp:latest', { domain: 'docker.io', path: 'dmcgowan/myapp', tag: 'latest' }],
    ['docker.io/debian', { domain: 'docker.io', path: 'library/debian', tag: 'latest' }],
    ['docker.io/library/debian', { domain: 'docker.io', path: 'library/debian', tag: 'latest' }],
    ['docker.io/library/foo/bar', { domain: 'docker.io', path: 'library/foo/bar', tag: 'latest' }],
    ['index.docker.io/debian', { domain: 'docker.io', path: 'library/debian', tag: 'latest' }],
    ['index.docker.io/docker/docker', { domain: 'docker.io', path: 'docker/docker', tag: 'latest' }],
    ['store/foo/bar', { domain: 'docker.io', path: 'store/foo/bar', tag: 'latest' }],
    ['other/library', { domain: 'docker.io', path: 'other/library', tag: 'latest' }],
    ['test_com/foo', { domain: 'docker.io', path: 'test_com/foo', tag: 'latest' }],
    ['ubuntu-12.04-base', { domain: 'docker.io', path: 'library/ubuntu-12.04-base', tag: 'latest' }],
    // path components: separators and short names
    ['docker-rules/docker', { domain: 'docker.io', path: 'docker-rules/docker', tag: 'latest' }],
    ['docker---rules/docker', { domain: 'docker.io', path: 'docker---rules/docker', tag: 'latest' }],
    ['dock__er/docker', { domain: 'docker.io', path: 'dock__er/docker', tag: 'latest' }],
    ['d/docker', { domain: 'docker.io', path: 'd/docker', tag: 'latest' }],
    ['jess/t', { domain: 'docker.io', path: 'jess/t', tag: 'latest' }],
    // 64 characters that are not all hex are a fine name
    ['thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', { domain: 'docker.io', path: 'library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', tag: 'latest' }],
    // 63 hex characters are not an image ID
    ['dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9', { domain: 'docker.io', path: 'library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9', tag: 'latest' }],
    // with a registry in front, 64 hex characters are unambiguous
    [`docker.io/${'1a3f5e7d9c1b3a5f'.repeat(4)}`, { domain: 'docker.io', path: `library/${'1a3f5e7d9c1b3a5f'.repeat(4)}`, tag: 'latest' }],
    // registries: dots, ports, localhost, IPs
    ['localhost/x', { domain: 'localhost', path: 'x', tag: 'latest' }],
    ['localhost:5000/x', { domain: 'localhost:5000', path: 'x', tag: 'latest' }],
    ['ghcr.io/a/b', { domain: 'ghcr.io', path: 'a/b', tag: 'latest' }],
    ['test.com/foo', { domain: 'test.com', path: 'foo', tag: 'latest' }],
    ['test.com:8080/foo', { domain: 'test.com:8080', path: 'foo', tag: 'latest' }],
    ['test-com:8080/foo', { domain: 'test-com:8080', path: 'foo', tag: 'latest' }],
    ['test:5000/repo:tag', { domain: 'test:5000', path: 'repo', tag: 'tag' }],
    ['xn--n3h.com:18080/foo', { domain: 'xn--n3h.com:18080', path: 'foo', tag: 'latest' }],
    ['xn--n3h.com/myimage:xn--n3h.com', { domain: 'xn--n3h.com', path: 'myimage', tag: 'xn--n3h.com' }],
    ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', { domain: 'sub-dom1.foo.com', path: 'bar/baz/quux', tag: 'some-long-tag' }],
    ['b.gcr.io/test.example.com/my-app:test.example.com', { domain: 'b.gcr.io', path: 'test.example.com/my-app', tag: 'test.example.com' }],
    ['127.0.0.1:5000/docker/docker', { domain: '127.0.0.1:5000', path: 'docker/docker', tag: 'latest' }],
    ['192.168.1.1/repo', { domain: '192.168.1.1', path: 'repo', tag: 'latest' }],
    ['192.168.1.1:5000/repo:5050', { domain: '192.168.1.1:5000', path: 'repo', tag: '5050' }],
    // IPv6 hosts in brackets
    ['[::1]:5000/x', { domain: '[::1]:5000', path: 'x', tag: 'latest' }],
    ['[2001:db8::1]/repo', { domain: '[2001:db8::1]', path: 'repo', tag: 'latest' }],
    ['[2001:db8::]:5000/repo', { domain: '[2001:db8::]:5000', path: 'repo', tag: 'latest' }],
    ['[2001:db8:1:2:3:4:5:6]/repo:tag', { domain: '[2001:db8:1:2:3:4:5:6]', path: 'repo', tag: 'tag' }],
    ['[fc00::1]:5000/docker/docker', { domain: '[fc00::1]:5000', path: 'docker/docker', tag: 'latest' }],
    [`[2001:db8::1]:5000/repo:tag@${SHA256}`, { domain: '[2001:db8::1]:5000', path: 'repo', tag: 'tag', digest: SHA256 }],
    // a single component is always a Docker Hub name, even when it looks like a host (docker's FIXME)
    ['test.com:5000', { domain: 'docker.io', path: 'library/test.com', tag: '5000' }],
    ['192.168.1.1:tag', { domain: 'docker.io', path: 'library/192.168.1.1', tag: 'tag' }],
    ['localhost', { domain: 'docker.io', path: 'library/localhost', tag: 'latest' }],
    // an upper-case first component can only be a registry
    ['Docker/docker', { domain: 'Docker', path: 'docker', tag: 'latest' }],
    ['FOO/bar', { domain: 'FOO', path: 'bar', tag: 'latest' }],
    // tags may have upper case
    ['lowercase:Uppercase', { domain: 'docker.io', path: 'library/lowercase', tag: 'Uppercase' }],
    ['test.com:8000/foo:TAG5', { domain: 'test.com:8000', path: 'foo', tag: 'TAG5' }],
    [`busybox:${'a'.repeat(128)}`, { domain: 'docker.io', path: 'library/busybox', tag: 'a'.repeat(128) }],
    ['busybox:_x', { domain: 'docker.io', path: 'library/busybox', tag: '_x' }],
    // digests: no default tag added; tag and digest both kept
    [`redis@${REDIS_DIGEST}`, { domain: 'docker.io', path: 'library/redis', digest: REDIS_DIGEST }],
    [`dmcgowan/myapp@${REDIS_DIGEST}`, { domain: 'docker.io', path: 'dmcgowan/myapp', digest: REDIS_DIGEST }],
    [`test:5000/repo@${SHA256}`, { domain: 'test:5000', path: 'repo', digest: SHA256 }],
    [`ghcr.io/a/b:1@${SHA256}`, { domain: 'ghcr.io', path: 'a/b', tag: '1', digest: SHA256 }],
    [`busybox:latest@${SHA256}`, { domain: 'docker.io', path: 'library/busybox', tag: 'latest', digest: SHA256 }],
    [`xn--7o8h.com/myimage:xn--7o8h.com@${SHA512}`, { domain: 'xn--7o8h.com', path: 'myimage', tag: 'xn--7o8h.com', digest: SHA512 }],
    // a 255-character path is the longest allowed
    [`${'a/'.repeat(127)}a:tag-puts-this-over-max`, { domain: 'docker.io', path: `${'a/'.repeat(127)}a`, tag: 'tag-puts-this-over-max' }],
  ];

  it.each(cases)('%s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  it('has the same full form for familiar, full and legacy spellings', () => {
    for (const spellings of [
      ['ubuntu', 'library/ubuntu', 'docker.io/ubuntu', 'docker.io/library/ubuntu', 'index.docker.io/library/ubuntu'],
      ['fooo/bar', 'docker.io/fooo/bar', 'index.docker.io/fooo/bar'],
    ]) {
      const full = spellings.map((s) => formatReference(parseReference(s)));
      expect(new Set(full).size).toBe(1);
    }
  });
});

describe('parseReference rejects what docker rejects', () => {
  const cases: Array<[input: string, reason: RegExp]> = [
    ['', /empty/],
    [':justtag', /repository name/],
    [`@${SHA256}`, /repository name/],
    ['1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', /64-character hexadecimal/],
    [REDIS_DIGEST.slice('sha256:'.length), /64-character hexadecimal/],
    ['Uppercase:tag', /must be lowercase/],
    ['docker/Docker', /must be lowercase/],
    ['docker.io/docker/Docker', /must be lowercase/],
    ['test:5000/Uppercase/lowercase:tag', /must be lowercase/],
    ['https://github.com/docker/docker', /not a valid registry host/],
    ['-docker', /repository name/],
    ['-docker/docker', /repository name/],
    ['docker-/docker', /repository name/],
    ['-docker.io/docker/docker', /not a valid registry host/],
    ['docker///docker', /repository name/],
    ['docker.io/docker///docker', /repository name/],
    ['____/____', /repository name/],
    ['_docker/_docker', /repository name/],
    // a dot makes the first component a registry host, and these are not valid hosts
    ['dock_.er/docker', /"dock_.er" is not a valid registry host/],
    ['dock-.er/docker', /"dock-.er" is not a valid registry host/],
    ['dock..er/docker', /"dock..er" is not a valid registry host/],
    ['a/b..c', /repository name/],
    ['docker/', /repository name/],
    ['aa/asdf$$^/aa', /repository name/],
    ['foo_bar.com/x', /not a valid registry host/],
    // IPv6 without brackets, with a zone, IPv4-mapped, or with no repository
    ['fc00::1:5000/debian', /not a valid registry host/],
    ['[fe80::1%eth0]:5000/debian', /not a valid registry host/],
    ['[2001:db8:3:4::192.0.2.33]:5000/debian', /not a valid registry host/],
    ['[fc00::1]', /repository name/],
    ['[fc00::1]:5000', /repository name/],
    ['[2001:db8::1]:tag', /repository name/],
    // tags
    ['busybox:-x', /tag "-x" is invalid/],
    ['busybox:.x', /tag ".x" is invalid/],
    [`busybox:${'a'.repeat(129)}`, /tag "a+" is invalid/],
    ['busybox:a:b', /tag "a:b" is invalid/],
    ['busybox:', /tag "" is invalid/],
    // digests
    ['repo@sha256:ffffffffffffffffffffffffffffffffff', /not a sha256 or sha512 digest/],
    [`validname@invaliddigest:${'f'.repeat(64)}`, /not a sha256 or sha512 digest/],
    [`repo@md5:${'f'.repeat(32)}`, /not a sha256 or sha512 digest/],
    [`repo@sha256:${'F'.repeat(64)}`, /not a sha256 or sha512 digest/],
    [`repo@sha384:${'f'.repeat(96)}`, /not a sha256 or sha512 digest/],
    ['repo@sha256:abc', /"sha256:abc" is not a digest/],
    ['repo@latest', /"latest" is not a digest/],
    // lengths
    [`${'a/'.repeat(128)}a:tag`, /not be more than 255 characters/],
    [`example.com/${'a'.repeat(MAX_REFERENCE_LENGTH)}`, /longer than 1024/],
  ];

  it.each(cases)('%s', (input, reason) => {
    const caught = thrown(() => parseReference(input));
    expect(caught).toBeInstanceOf(FerryError);
    const err = caught as FerryError;
    expect(err.code).toBe('ERR_INVALID_REFERENCE');
    expect(err.message).toContain(JSON.stringify(input.slice(0, 200)));
    expect(err.message).toMatch(reason);
    expect(err.message).not.toContain('\n');
    expect(err.hint).toBeTruthy();
  });

  it('fails fast on hostile input near the length limit', () => {
    const hostile = [
      `x.io/${'a.'.repeat(500)}!`,
      `x.io/${'a-'.repeat(500)}!`,
      `${'a/'.repeat(510)}!`,
      `x.io/${'a__'.repeat(330)}_`,
      `${'a'.repeat(200)}.io/${'a.a/'.repeat(200)}:!`,
    ];
    const start = performance.now();
    for (const input of hostile) expect(() => parseReference(input)).toThrow(FerryError);
    expect(performance.now() - start).toBeLessThan(200);
  });
});

describe('formatReference and repositoryName', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest', 'docker.io/library/busybox'],
    ['localhost:5000/x', 'localhost:5000/x:latest', 'localhost:5000/x'],
    [`ghcr.io/a/b:1@${SHA256}`, `ghcr.io/a/b:1@${SHA256}`, 'ghcr.io/a/b'],
    [`redis@${REDIS_DIGEST}`, `docker.io/library/redis@${REDIS_DIGEST}`, 'docker.io/library/redis'],
    ['[::1]:5000/x:v1', '[::1]:5000/x:v1', '[::1]:5000/x'],
  ])('%s', (input, full, repository) => {
    const ref = parseReference(input);
    expect(formatReference(ref)).toBe(full);
    expect(repositoryName(ref)).toBe(repository);
    // the full form is a fixed point
    expect(parseReference(full)).toEqual(ref);
  });
});

describe('familiarName', () => {
  it.each([
    ['busybox', 'busybox:latest'],
    ['docker.io/library/ubuntu:22.04', 'ubuntu:22.04'],
    ['index.docker.io/library/ubuntu', 'ubuntu:latest'],
    ['docker.io/user/x:1', 'user/x:1'],
    ['fooo/bar', 'fooo/bar:latest'],
    ['library/foo/bar', 'library/foo/bar:latest'],
    ['docker.io/library/foo/bar:1', 'library/foo/bar:1'],
    ['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000/private/moonbase:latest'],
    ['example.com:8000/privatebase', 'example.com:8000/privatebase:latest'],
    ['Foo/bar', 'Foo/bar:latest'],
    [`busybox:latest@${SHA256}`, `busybox:latest@${SHA256}`],
    [`ghcr.io/a/b@${SHA256}`, `ghcr.io/a/b@${SHA256}`],
  ])('%s → %s', (input, familiar) => {
    expect(familiarName(input)).toBe(familiar);
    expect(familiarName(parseReference(input))).toBe(familiar);
    // familiar names parse back to the same reference
    expect(parseReference(familiar)).toEqual(parseReference(input));
  });

  it('rejects an invalid string', () => {
    expect(() => familiarName('Bad:Name')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_REFERENCE' }));
  });
});

describe('isTagOnly', () => {
  it.each([
    ['3.19', true],
    ['latest', true],
    ['v1.0.0-rc.1', true],
    ['_private', true],
    // a one-component name and a tag cannot be told apart; containerd treats it as a tag too
    ['busybox', true],
    ['a'.repeat(128), true],
    ['a'.repeat(129), false],
    ['', false],
    ['-x', false],
    ['.x', false],
    ['busybox:latest', false],
    ['library/busybox', false],
    ['docker.io/library/busybox:3.19', false],
    [`busybox@${SHA256}`, false],
    ['tag with space', false],
  ])('%s → %s', (value, expected) => {
    expect(isTagOnly(value)).toBe(expected);
  });
});

describe('withTag and withDigest', () => {
  it('replaces the tag and keeps the digest, as docker WithTag does', () => {
    const ref = parseReference(`test.com:8000/foo@${SHA256}`);
    expect(formatReference(withTag(ref, 'TAG5'))).toBe(`test.com:8000/foo:TAG5@${SHA256}`);
    expect(formatReference(withTag(parseReference('foo:old'), 'tag2'))).toBe('docker.io/library/foo:tag2');
  });

  it('replaces the digest and keeps the tag', () => {
    const ref = parseReference('test.com/foo:v1');
    expect(formatReference(withDigest(ref, SHA512))).toBe(`test.com/foo:v1@${SHA512}`);
  });

  it('does not change its input', () => {
    const ref = parseReference('busybox');
    withTag(ref, 'other');
    withDigest(ref, SHA256);
    expect(ref).toEqual({ domain: 'docker.io', path: 'library/busybox', tag: 'latest' });
  });

  it.each(['-foo', '', 'a:b', 'a/b', 'a'.repeat(129)])('rejects tag %j', (tag) => {
    expect(() => withTag(parseReference('busybox'), tag)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_REFERENCE', message: expect.stringContaining('docker.io/library/busybox') }),
    );
  });

  it.each(['foo', 'sha256:1234567890098765432112345667890098765', `sha256:${'F'.repeat(64)}`, `md5:${'f'.repeat(32)}`])('rejects digest %j', (digest) => {
    expect(() => withDigest(parseReference('busybox'), digest)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_REFERENCE' }));
  });
});

describe('normalizeName', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest'],
    ['user/app:1', 'docker.io/user/app:1'],
    [`localhost:5000/x@sha256:${'a'.repeat(64)}`, `localhost:5000/x@sha256:${'a'.repeat(64)}`],
  ])('%s → %s', (name, full) => {
    expect(normalizeName(name)).toBe(full);
  });
});
