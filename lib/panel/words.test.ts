import { describe, expect, it } from 'vitest';
import { canaryStepLabel, capitalised, deploymentTitle, versionArrow } from './words';

describe('the panel vocabulary', () => {
  it.each<[string | null, string, string]>([
    [null, '3.0.0', 'nothing → v3.0.0'],
    ['2.2.0', '2.3.0', 'v2.2.0 → v2.3.0'],
  ])('versionArrow(%s, %s) = %s', (from, to, text) => {
    expect(versionArrow(from, to)).toBe(text);
  });

  it('names a deployment by what it does', () => {
    expect(deploymentTitle({ kind: 'deploy', strategy: 'canary', from: '2.2.0', to: '2.3.0' })).toBe('canary v2.2.0 → v2.3.0');
    expect(deploymentTitle({ kind: 'rollback', strategy: 'blue-green', from: '2.3.0', to: '2.2.0' })).toBe('rollback v2.3.0 → v2.2.0');
    expect(capitalised(deploymentTitle({ kind: 'deploy', strategy: 'rolling', from: null, to: '1.0.0' }))).toBe('Rolling nothing → v1.0.0');
  });

  it('numbers canary steps as the plan does', () => {
    expect(canaryStepLabel({ canaryStep: 0, weight: 10 }, 2)).toBe('canary step 1/2 at 10%');
    expect(canaryStepLabel({ canaryStep: 2, weight: 50 }, 2)).toBe('canary step 3/3 at 50%');
  });
});
