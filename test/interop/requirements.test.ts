// The skip-or-fail line of describeInterop and itInterop: it must name the missing tool and its Debian package,
// since that one line is all a CI log shows when a machine lacks a peer tool.
import { describe, expect, it } from 'vitest';
import { missingNeed } from './harness/requirements.js';

describe('missingNeed', () => {
  it('is undefined when every tool is on PATH', () => {
    expect(missingNeed([{ debianPackage: 'dash', tools: ['sh'] }])).toBeUndefined();
  });

  it('names only the absent tools and the Debian package that provides them', () => {
    const need = { debianPackage: 'ferry-absent-pkg', tools: ['sh', 'ferry-absent-tool'] };
    expect(missingNeed([need])).toBe('needs ferry-absent-tool (Debian package `ferry-absent-pkg`)');
  });
});
