import { describe, expect, it } from 'vitest';
import { isUuid } from './validate';

describe('isUuid', () => {
  it('accepts the 8-4-4-4-12 hex form in either case and nothing else', () => {
    expect(isUuid('4199f1c3-c3ef-4596-ab89-fbdd53053e2d')).toBe(true);
    expect(isUuid('4199F1C3-C3EF-4596-AB89-FBDD53053E2D')).toBe(true);
    for (const bad of ['', 'payment-gateway', '4199f1c3c3ef4596ab89fbdd53053e2d', '4199f1c3-c3ef-4596-ab89-fbdd53053e2', ' 4199f1c3-c3ef-4596-ab89-fbdd53053e2d', '4199f1c3-c3ef-4596-ab89-fbdd53053e2d\n', 'g199f1c3-c3ef-4596-ab89-fbdd53053e2d']) {
      expect(isUuid(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
