import { describe, expect, it } from 'vitest';
import { assertAcyclic, dependencyWaves, findCycle } from './dependencies';
import { expectAppError } from '../testing/engine';

describe('findCycle', () => {
  it.each<[string, Record<string, string[]>, string[] | null]>([
    ['empty graph', {}, null],
    ['chain', { a: ['b'], b: ['c'], c: [] }, null],
    ['diamond', { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }, null],
    ['dependency that is not a key', { a: ['external'] }, null],
    ['three-cycle', { a: ['b'], b: ['c'], c: ['a'] }, ['a', 'b', 'c', 'a']],
    ['three-cycle listed in another order', { c: ['a'], b: ['c'], a: ['b'] }, ['a', 'b', 'c', 'a']],
    ['self-dependency', { a: ['a'] }, ['a', 'a']],
    ['two-cycle behind a tail', { x: ['y'], y: ['z'], z: ['y'] }, ['y', 'z', 'y']],
    ['the first cycle in sorted order wins', { b: ['a'], a: ['b'], m: ['n'], n: ['m'] }, ['a', 'b', 'a']],
    ['a key named like an Object member', { constructor: ['toString'], toString: [] }, null],
  ])('%s → %j', (_name, graph, expected) => {
    expect(findCycle(graph)).toEqual(expected);
  });
});

describe('assertAcyclic', () => {
  it('names the cycle', () => {
    const error = expectAppError(
      () => assertAcyclic({ a: ['b'], b: ['c'], c: ['a'] }),
      'invalid',
      /^dependency cycle: a → b → c → a$/,
    );
    expect(error.details).toEqual({ cycle: ['a', 'b', 'c', 'a'] });
  });

  it('accepts a DAG', () => {
    expect(() => assertAcyclic({ a: ['b'], b: [] })).not.toThrow();
  });
});

describe('dependencyWaves', () => {
  it.each<[string, string[], Record<string, string[]>, string[][]]>([
    [
      'api-gateway after auth-service; inventory in parallel (the incident)',
      ['api-gateway', 'auth-service', 'inventory'],
      { 'api-gateway': ['auth-service'], 'auth-service': [], inventory: [] },
      [['auth-service', 'inventory'], ['api-gateway']],
    ],
    ['chain', ['a', 'b', 'c'], { a: ['b'], b: ['c'], c: [] }, [['c'], ['b'], ['a']]],
    ['diamond', ['top', 'l', 'r', 'base'], { top: ['l', 'r'], l: ['base'], r: ['base'] }, [['base'], ['l', 'r'], ['top']]],
    ['earliest wave possible', ['a', 'b', 'c', 'd'], { a: ['b'], b: ['c'], d: ['c'] }, [['c'], ['b', 'd'], ['a']]],
    ['dependencies outside the release are ignored', ['api'], { api: ['auth'] }, [['api']]],
    ['services missing from the graph have no dependencies', ['z', 'y'], {}, [['y', 'z']]],
    ['duplicates collapse', ['a', 'a', 'b'], { a: ['b'] }, [['b'], ['a']]],
    ['nothing to release', [], { a: [] }, []],
    ['a cycle among services outside the release does not matter', ['a'], { a: [], x: ['y'], y: ['x'] }, [['a']]],
  ])('%s', (_name, services, graph, expected) => {
    const waves = dependencyWaves(services, graph);
    expect(waves).toEqual(expected);
    // Every dependency in the release sits in an earlier wave.
    const waveOf = new Map(waves.flatMap((wave, i) => wave.map((s) => [s, i] as const)));
    for (const [service, i] of waveOf) {
      for (const dep of graph[service] ?? []) {
        if (waveOf.has(dep)) expect(waveOf.get(dep)).toBeLessThan(i);
      }
    }
  });

  it('rejects a cycle in the release, naming it', () => {
    expectAppError(
      () => dependencyWaves(['a', 'b', 'c', 'd'], { a: ['b'], b: ['c'], c: ['a'], d: [] }),
      'invalid',
      'dependency cycle: a → b → c → a',
    );
  });
});
