import { describe, expect, it } from 'vitest';
import { effectivePool, placeSlots, type PlacementHost } from './placement';

const host = (name: string, over: Partial<PlacementHost> = {}): PlacementHost => ({ name, instances: 0, capacity: null, ofVersion: 0, ofService: 0, ...over });

describe('effectivePool: an environment pool qualifies the service pool', () => {
  it.each([
    { env: 'prod', svc: 'web', pool: 'prod-web' },
    { env: 'prod', svc: undefined, pool: 'prod' },
    { env: null, svc: 'web', pool: 'web' },
    { env: null, svc: undefined, pool: 'default' },
  ])('environment $env × service $svc → $pool', ({ env, svc, pool }) => {
    expect(effectivePool(env, svc)).toBe(pool);
  });
});

describe('placeSlots', () => {
  it('puts no two instances of a version on one host while there are hosts enough', () => {
    const r = placeSlots([0, 1, 2], [host('a'), host('b'), host('c')]);
    expect(r.placed).toEqual([
      { slot: 0, host: 'a' },
      { slot: 1, host: 'b' },
      { slot: 2, host: 'c' },
    ]);
    expect(r.unplaced).toEqual([]);
  });

  it('doubles up only once every host has one, and spreads the rest evenly', () => {
    const r = placeSlots([0, 1, 2, 3, 4], [host('a'), host('b')]);
    expect(r.placed.map((p) => p.host)).toEqual(['a', 'b', 'a', 'b', 'a']);
  });

  it('prefers hosts without the version, then without the service, then the least loaded', () => {
    const hosts = [host('a', { ofVersion: 1, ofService: 1, instances: 1 }), host('b', { ofService: 1, instances: 1 }), host('c', { instances: 5 }), host('d', { instances: 2 })];
    expect(placeSlots([3], hosts).placed).toEqual([{ slot: 3, host: 'd' }]);
    expect(placeSlots([3, 4, 5], hosts).placed.map((p) => p.host)).toEqual(['d', 'c', 'b']);
  });

  it('respects capacity relative to each host, and names the slots nothing can take', () => {
    const r = placeSlots([0, 1, 2], [host('a', { capacity: 1 }), host('b', { capacity: 2, instances: 2 })]);
    expect(r.placed).toEqual([{ slot: 0, host: 'a' }]);
    expect(r.unplaced).toEqual([1, 2]);
    expect(placeSlots([0], []).unplaced).toEqual([0]);
  });

  it('is deterministic: the same inputs place the same way (the plan preview says where each starts)', () => {
    const hosts = [host('c'), host('a'), host('b')];
    expect(placeSlots([0, 1], hosts)).toEqual(placeSlots([0, 1], [...hosts].reverse()));
  });
});
