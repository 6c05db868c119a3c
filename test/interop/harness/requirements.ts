import { describe, it } from 'vitest';
import { hasTool } from './tools.js';

/** What a suite needs from the machine: the Debian package that provides its tools, and whether it needs root. */
export interface ToolNeed {
  debianPackage: string;
  tools: string[];
  root?: boolean;
}

/** The reason the machine cannot run a suite with these needs, or undefined when it can. */
export function missingNeed(needs: ToolNeed[]): string | undefined {
  for (const need of needs) {
    const absent = need.tools.filter((t) => !hasTool(t));
    if (absent.length > 0) return `needs ${absent.join(', ')} (Debian package \`${need.debianPackage}\`)`;
    if (need.root && process.getuid?.() !== 0) return `needs root for ${need.tools.join(', ')}`;
  }
  return undefined;
}

export const SKOPEO_NEED: ToolNeed = { debianPackage: 'skopeo', tools: ['skopeo'] };
export const UMOCI_NEED: ToolNeed = { debianPackage: 'umoci', tools: ['umoci'] };
export const REGISTRY_NEED: ToolNeed = { debianPackage: 'docker-registry', tools: ['docker-registry'] };

const inCi = (): boolean => process.env.CI === 'true';

/** The one test that stands in for a block or test whose tools are missing in CI: it fails naming the package. */
function failMissing(name: string, missing: string): void {
  it(`${name}: has its tools installed`, () => {
    throw new Error(`${name}: ${missing}`);
  });
}

/**
 * A describe block for an interop suite. When its tools are missing it skips locally with one line naming the
 * Debian package; with CI=true it fails instead, so a CI machine without the tools cannot pass by skipping.
 */
export function describeInterop(name: string, needs: ToolNeed[], body: () => void): void {
  const missing = missingNeed(needs);
  if (missing === undefined) {
    describe(name, body);
  } else if (inCi()) {
    describe(name, () => failMissing(name, missing));
  } else {
    process.stderr.write(`skipping ${name}: ${missing}\n`);
    describe.skip(name, body);
  }
}

/** One test that needs peer tools, inside a block that does not: skips or fails as describeInterop does. */
export function itInterop(name: string, needs: ToolNeed[], fn: () => unknown, timeoutMs?: number): void {
  const missing = missingNeed(needs);
  if (missing === undefined) {
    it(name, fn, timeoutMs);
  } else if (inCi()) {
    failMissing(name, missing);
  } else {
    process.stderr.write(`skipping ${name}: ${missing}\n`);
    it.skip(name, fn, timeoutMs);
  }
}
