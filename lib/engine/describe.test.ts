import { describe, expect, it } from 'vitest';
import { canaryFailureReason, failedCanaryMetric } from './describe';

describe('canary failure reasons', () => {
  it('name the metric the verdict names first, and only for a canary failure', () => {
    expect(failedCanaryMetric(canaryFailureReason('error-rate: 4.88 % vs 0 % (n=120/118) < 0.05; +4.88 points exceeds the allowed +1 point'))).toBe('error-rate');
    expect(failedCanaryMetric('hook migrate failed: exit 1')).toBeNull();
    expect(failedCanaryMetric(canaryFailureReason('no colon here'))).toBeNull();
  });
});
