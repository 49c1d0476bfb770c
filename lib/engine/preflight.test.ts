import { describe, expect, it } from 'vitest';
import { missingConfigKeys } from './preflight';

describe('missingConfigKeys', () => {
  it.each<[string[], Record<string, string>, string[]]>([
    [[], {}, []],
    [['DATABASE_URL'], { DATABASE_URL: 'postgres://x' }, []],
    [['DATABASE_URL'], {}, ['DATABASE_URL']],
    [['DATABASE_URL'], { DATABASE_URL: '' }, ['DATABASE_URL']], // empty counts as missing
    [['Z_KEY', 'A_KEY', 'M_KEY'], { M_KEY: 'm' }, ['A_KEY', 'Z_KEY']], // sorted
    [['A', 'A'], {}, ['A']], // de-duplicated
    [['constructor', 'toString'], {}, ['constructor', 'toString']], // not fooled by Object.prototype
    [['SPACE'], { SPACE: ' ' }, []], // a space is a value
    [['PORT'], { OTHER: '1' }, ['PORT']],
  ])('required %j in %j → %j', (required, config, expected) => {
    expect(missingConfigKeys(required, config)).toEqual(expected);
  });
});
