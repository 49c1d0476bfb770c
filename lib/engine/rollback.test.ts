import { describe, expect, it } from 'vitest';
import { chooseRollbackTarget } from './rollback';
import type { HistoryEntry, VersionInfo } from './types';
import { expectAppError } from '../testing/engine';

const v = (semver: string, bad = false): VersionInfo => ({ id: `id-${semver}`, semver, bad });
/** History in the order the versions served, one hour each; the last one is live. */
const served = (...semvers: string[]): HistoryEntry[] =>
  semvers.map((semver, i) => ({
    versionId: `id-${semver}`,
    semver,
    from: i * 3_600_000,
    until: i === semvers.length - 1 ? null : (i + 1) * 3_600_000,
  }));

describe('chooseRollbackTarget', () => {
  it.each<[string, HistoryEntry[], VersionInfo[], string, string, Array<{ semver: string; reason: string }>]>([
    [
      'v2.1.0 → v2.2.0 → v2.3.0: back to v2.2.0, never further (the incident)',
      served('2.1.0', '2.2.0', '2.3.0'),
      [v('2.1.0'), v('2.2.0'), v('2.3.0')],
      '2.3.0',
      '2.2.0',
      [{ semver: '2.3.0', reason: 'current version' }],
    ],
    [
      'the current version is also bad: still 2.2.0',
      served('2.1.0', '2.2.0', '2.3.0'),
      [v('2.1.0'), v('2.2.0'), v('2.3.0', true)],
      '2.3.0',
      '2.2.0',
      [{ semver: '2.3.0', reason: 'current version' }],
    ],
    [
      'after rolling back from a bad 2.3.0 to 2.2.0, the next rollback skips 2.3.0',
      served('2.1.0', '2.2.0', '2.3.0', '2.2.0'),
      [v('2.1.0'), v('2.2.0'), v('2.3.0', true)],
      '2.2.0',
      '2.1.0',
      [
        { semver: '2.2.0', reason: 'current version' },
        { semver: '2.3.0', reason: 'marked bad' },
      ],
    ],
    [
      'a bad predecessor is skipped',
      served('1.0.0', '1.1.0', '1.2.0'),
      [v('1.0.0'), v('1.1.0', true), v('1.2.0')],
      '1.2.0',
      '1.0.0',
      [
        { semver: '1.2.0', reason: 'current version' },
        { semver: '1.1.0', reason: 'marked bad' },
      ],
    ],
    [
      'history order comes from `from`, not from the array order',
      served('2.1.0', '2.2.0', '2.3.0').reverse(),
      [v('2.1.0'), v('2.2.0'), v('2.3.0')],
      '2.3.0',
      '2.2.0',
      [{ semver: '2.3.0', reason: 'current version' }],
    ],
    [
      'a version that was deleted is skipped',
      served('1.0.0', '1.1.0', '1.2.0'),
      [v('1.0.0'), v('1.2.0')],
      '1.2.0',
      '1.0.0',
      [
        { semver: '1.2.0', reason: 'current version' },
        { semver: '1.1.0', reason: 'version no longer registered' },
      ],
    ],
    [
      'semver order does not matter, serving order does',
      served('3.0.0', '2.0.0', '4.0.0'),
      [v('2.0.0'), v('3.0.0'), v('4.0.0')],
      '4.0.0',
      '2.0.0',
      [{ semver: '4.0.0', reason: 'current version' }],
    ],
  ])('%s', (_name, history, versions, current, target, skipped) => {
    const choice = chooseRollbackTarget({ history, versions, currentVersionId: `id-${current}` });
    expect(choice.target.semver).toBe(target);
    expect(choice.skipped).toEqual(skipped);
  });

  it('with no live version, the most recent good version is the target', () => {
    const choice = chooseRollbackTarget({
      history: served('1.0.0', '1.1.0'),
      versions: [v('1.0.0'), v('1.1.0')],
      currentVersionId: null,
    });
    expect(choice.target.semver).toBe('1.1.0');
  });

  describe('toVersion', () => {
    const history = served('1.0.0', '1.1.0', '1.2.0', '1.3.0');
    const versions = [v('1.0.0'), v('1.1.0'), v('1.2.0', true), v('1.3.0'), v('1.4.0')];
    const choose = (toVersion: string) => chooseRollbackTarget({ history, versions, currentVersionId: 'id-1.3.0', toVersion, service: 'payments' });

    it('may go further back to an older good version, listing what it passed over', () => {
      const choice = choose('1.0.0');
      expect(choice.target.semver).toBe('1.0.0');
      expect(choice.skipped).toEqual([
        { semver: '1.3.0', reason: 'current version' },
        { semver: '1.2.0', reason: 'marked bad' },
        { semver: '1.1.0', reason: 'passed over for the requested 1.0.0' },
      ]);
    });

    it.each<[string, 'not_found' | 'invalid', string]>([
      ['9.9.9', 'not_found', 'version 9.9.9 of payments does not exist'],
      ['1.3.0', 'invalid', 'version 1.3.0 is already the current version of payments'],
      ['1.2.0', 'invalid', 'version 1.2.0 is marked bad'],
      ['1.4.0', 'invalid', 'version 1.4.0 never served payments'],
    ])('%s → %s', (toVersion, code, message) => {
      expectAppError(() => choose(toVersion), code, message);
    });
  });

  it.each<[string, HistoryEntry[], VersionInfo[], string | null]>([
    ['only the current version ever served', served('1.0.0'), [v('1.0.0')], 'id-1.0.0'],
    ['every earlier version is bad', served('1.0.0', '1.1.0', '1.2.0'), [v('1.0.0', true), v('1.1.0', true), v('1.2.0')], 'id-1.2.0'],
    ['no history at all', [], [v('1.0.0')], null],
  ])('%s → conflict', (_name, history, versions, currentVersionId) => {
    const error = expectAppError(
      () => chooseRollbackTarget({ history, versions, currentVersionId, service: 'payments' }),
      'conflict',
      'no previous good version of payments to roll back to',
    );
    expect(error.details).toMatchObject({ service: 'payments' });
  });
});
