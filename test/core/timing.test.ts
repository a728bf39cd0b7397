import { CLIENT_TIMING } from '../../lambdas/shared/environment';
import { MOVE_RESERVE_MS, REMEDIATION_TIMEOUT_SECONDS, SDK_TIMING, worstCaseCallMs } from '../../core/timing';
import { synthStack } from '../support/synth';

describe('Timing: AWS calls and function timeouts', () => {
  it('bounds one call by its attempts, each timed out, and the backoffs between them', () => {
    // 3 attempts x (1 s to connect + 3 s to answer) + backoffs of at most 200 ms and 400 ms.
    expect(worstCaseCallMs()).toBe(12_600);
    expect(worstCaseCallMs({ ...SDK_TIMING, maxAttempts: 1 })).toBe(4_000);
  });

  it('gives every client bounded attempts that throw on timeout (the handler only warns otherwise)', () => {
    expect(CLIENT_TIMING).toEqual({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true } });
  });

  it('gives remediation functions the time for the moves and then some, notification functions 30 s', () => {
    expect(REMEDIATION_TIMEOUT_SECONDS * 1000).toBeGreaterThan(4 * MOVE_RESERVE_MS);
    const { template } = synthStack({ 'playbook:isolate-instance': 'true' });
    const timeouts = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => [f.Properties.Environment.Variables.PLAYBOOK_ID, f.Properties.Timeout]);
    for (const [id, timeout] of timeouts) expect([id, timeout]).toEqual([id, ['revoke-ssh-ingress', 'isolate-instance'].includes(id) ? 300 : 30]);
  });
});
