import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { resolveStoreRoot } from '../../src/store/root.js';

describe('resolveStoreRoot', () => {
  const cases: { what: string; root?: string; env: NodeJS.ProcessEnv; expected: string }[] = [
    { what: '--root wins over everything', root: '/opt/r', env: { FERRY_ROOT: '/f', XDG_DATA_HOME: '/x', HOME: '/h' }, expected: '/opt/r' },
    { what: 'FERRY_ROOT next', env: { FERRY_ROOT: '/f', XDG_DATA_HOME: '/x', HOME: '/h' }, expected: '/f' },
    { what: 'then XDG_DATA_HOME/ferry', env: { XDG_DATA_HOME: '/x', HOME: '/h' }, expected: '/x/ferry' },
    { what: 'then ~/.local/share/ferry', env: { HOME: '/h' }, expected: '/h/.local/share/ferry' },
    { what: 'empty values count as unset', root: '', env: { FERRY_ROOT: '', XDG_DATA_HOME: '', HOME: '/h' }, expected: '/h/.local/share/ferry' },
    { what: 'a relative XDG_DATA_HOME is ignored (XDG spec)', env: { XDG_DATA_HOME: 'rel', HOME: '/h' }, expected: '/h/.local/share/ferry' },
    { what: 'without HOME, the account home', env: {}, expected: `${homedir()}/.local/share/ferry` },
  ];
  it.each(cases)('$what', ({ root, env, expected }) => {
    expect(resolveStoreRoot(root === undefined ? {} : { root }, env)).toBe(expected);
  });

  it('makes a relative --root or FERRY_ROOT absolute', () => {
    expect(resolveStoreRoot({ root: 'store' }, {})).toBe(`${process.cwd()}/store`);
    expect(resolveStoreRoot({}, { FERRY_ROOT: 'f' })).toBe(`${process.cwd()}/f`);
  });
});
