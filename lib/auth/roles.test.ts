import { describe, expect, it } from 'vitest';
import { decide, type Principal, type Role } from './roles';

const p = (role: Role, serviceScope: string[] = []): Principal => ({ kind: 'token', id: 'x', actor: 'token:ci', role, serviceScope });

describe('decide', () => {
  it.each([
    ['viewer', 'viewer', [], true],
    ['viewer', 'deployer', [], false],
    ['viewer', 'admin', [], false],
    ['deployer', 'viewer', [], true],
    ['deployer', 'deployer', ['a'], true],
    ['deployer', 'admin', [], false],
    ['admin', 'deployer', ['a', 'b'], true],
    ['admin', 'admin', [], true],
  ] as const)('%s needing %s on %j → %s', (role, required, targets, ok) => {
    expect(decide(p(role), required, targets).ok).toBe(ok);
  });

  it.each([
    [['a'], ['a'], true],
    [['a'], ['b'], false],
    [['a'], ['a', 'b'], false],
    [['a', 'b'], ['b'], true],
    [[], ['z'], true],
  ])('a deployer scoped to %j acting on %j → %s', (scope, targets, ok) => {
    const d = decide(p('deployer', scope), 'deployer', targets);
    expect(d.ok).toBe(ok);
    if (!d.ok) expect(d.reason).toMatch(/may act only on/);
  });

  it('reads are never limited by scope', () => {
    expect(decide(p('deployer', ['a']), 'viewer', ['b']).ok).toBe(true);
  });
});
