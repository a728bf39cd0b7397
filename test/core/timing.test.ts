import { CLIENT_TIMING } from '../../lambdas/shared/environment';
import { RETRIED_THEN_KEPT } from '../../lambdas/shared/handler-shell';
import { ASYNC_RETRY_ATTEMPTS, MOVE_RESERVE_MS, REMEDIATION_CONCURRENCY, REMEDIATION_SDK_TIMING, REMEDIATION_TIMEOUT_SECONDS, SDK_TIMING, worstCaseCallMs } from '../../core/timing';
import { synthStack } from '../support/synth';

describe('Timing: AWS calls and function timeouts', () => {
  it('bounds one call by its attempts, each timed out, and the throttling backoffs between them', () => {
    // 3 attempts x (1 s to connect + 3 s to answer) + throttling backoffs of at most 1 s and 2 s.
    expect(worstCaseCallMs()).toBe(15_000);
    expect(worstCaseCallMs({ ...SDK_TIMING, maxAttempts: 1 })).toBe(4_000);
    // Remediation clients: 5 attempts, each paced by the adaptive limiter for at most 2 s, backoffs of at most 1, 2, 4 and 8 s.
    expect(REMEDIATION_SDK_TIMING).toMatchObject({ retryMode: 'adaptive', maxAttempts: 5 });
    expect(worstCaseCallMs(REMEDIATION_SDK_TIMING)).toBe(5 * 6_000 + 15_000);
    // The 20 s cap.
    expect(worstCaseCallMs({ ...SDK_TIMING, maxAttempts: 8 })).toBe(8 * 4_000 + 1_000 + 2_000 + 4_000 + 8_000 + 16_000 + 20_000 + 20_000);
  });

  it('gives every client bounded attempts that throw on timeout (the handler only warns otherwise)', () => {
    expect(CLIENT_TIMING).toEqual({ retryMode: 'standard', maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true } });
  });

  it('gives remediation functions the time for the moves of 6 interfaces at their worst, notification functions 30 s', () => {
    expect(MOVE_RESERVE_MS).toBe(3 * 45_000);
    expect(Math.floor((REMEDIATION_TIMEOUT_SECONDS * 1000) / MOVE_RESERVE_MS)).toBe(6);
    const { template } = synthStack({ 'playbook:isolate-instance': 'true' });
    const timeouts = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => [f.Properties.Environment.Variables.PLAYBOOK_ID, f.Properties.Timeout]);
    for (const [id, timeout] of timeouts) expect([id, timeout]).toEqual([id, ['revoke-ssh-ingress', 'isolate-instance'].includes(id) ? 900 : 30]);
    // The retries a failed remediation's alert announces (RETRIED_THEN_KEPT) are the functions' own.
    const retries = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).map((c) => c.Properties.MaximumRetryAttempts);
    expect(retries).toEqual(Array(timeouts.length).fill(ASYNC_RETRY_ATTEMPTS));
    expect(RETRIED_THEN_KEPT).toBe('Lambda retries the event (2 times at most), then keeps it in the dead-letter queue.');
  });

  it('reserves REMEDIATION_CONCURRENCY containers for each remediation function (remediationConcurrency), none for the others; 0 reserves none', () => {
    const reserved = (context: Record<string, string>) =>
      Object.values(synthStack({ 'playbook:isolate-instance': 'true', ...context }).template.findResources('AWS::Lambda::Function')).map((f) => [f.Properties.Environment.Variables.PLAYBOOK_ID, f.Properties.ReservedConcurrentExecutions]);
    for (const [id, concurrency] of reserved({})) expect([id, concurrency]).toEqual([id, ['revoke-ssh-ingress', 'isolate-instance'].includes(id) ? REMEDIATION_CONCURRENCY : undefined]);
    for (const [id, concurrency] of reserved({ remediationConcurrency: '12' })) expect([id, concurrency]).toEqual([id, ['revoke-ssh-ingress', 'isolate-instance'].includes(id) ? 12 : undefined]);
    for (const [id, concurrency] of reserved({ remediationConcurrency: '0' })) expect([id, concurrency]).toEqual([id, undefined]);
  });
});
