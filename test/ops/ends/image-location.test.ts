import { describe, expect, it } from 'vitest';
import { formatLocation, parseLocation } from '../../../src/ops/ends/image-location.js';

describe('daemon locations', () => {
  it('containerd:NAME is in the default namespace; a / makes the first part the namespace', () => {
    expect(parseLocation('containerd:alpine:3')).toEqual({ kind: 'containerd', namespace: 'default', name: 'docker.io/library/alpine:3' });
    expect(parseLocation('containerd:k8s.io/docker.io/library/app:1')).toEqual({ kind: 'containerd', namespace: 'k8s.io', name: 'docker.io/library/app:1' });
    expect(parseLocation('containerd:default/team/app:1')).toEqual({ kind: 'containerd', namespace: 'default', name: 'docker.io/team/app:1' });
    expect(formatLocation(parseLocation('containerd:k8s.io/app:1'))).toBe('containerd:k8s.io/docker.io/library/app:1');
  });

  it('a registry host where the namespace goes is refused with the fix', () => {
    expect(() => parseLocation('containerd:127.0.0.1:5000/app:1')).toThrow(/not a containerd namespace/);
    expect(() => parseLocation('containerd:')).toThrow(/names no image/);
  });

  it('docker-daemon:NAME takes full and short names', () => {
    expect(parseLocation('docker-daemon:app:1')).toEqual({ kind: 'docker-daemon', name: 'docker.io/library/app:1' });
    expect(parseLocation('docker-daemon:registry.example.com/team/app:2')).toEqual({ kind: 'docker-daemon', name: 'registry.example.com/team/app:2' });
    expect(() => parseLocation('docker-daemon:')).toThrow(/names no image/);
  });
});
