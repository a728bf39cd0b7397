import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PLAYBOOKS } from '../../core/catalog';
import { loadConfig } from '../../core/config';
import { GuardDutyResponseStack } from '../../infra/guardduty-response-stack';
import { unitTestApp } from '../support/synth';

describe('Stack: cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged violation, with every playbook on and subscriptions set', () => {
    // Prepare
    const app = unitTestApp();
    const stack = new GuardDutyResponseStack(app, 'GuardDutyResponse', {
      env: { account: '111122223333', region: 'eu-west-1' },
      config: loadConfig({
        ...Object.fromEntries(PLAYBOOKS.map((p) => [`playbook:${p.id}`, 'true'])),
        alertEmails: 'secops@example.com',
        alertPhoneNumbers: '+14155550100',
        organizationId: 'o-a1b2c3d4e5',
      }),
    });
    expect(stack.functions.size).toBe(PLAYBOOKS.length);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // Act + Assess: a violation fails synthesis with a ValidationFailed error that lists each one.
    expect(() => app.synth()).not.toThrow();
  });
});
