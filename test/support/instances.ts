import type { Instance } from '@aws-sdk/client-ec2';

/** A running instance with one interface in two groups and one EBS volume, as DescribeInstances returns it. */
export function testInstance(overrides: Partial<Instance> = {}): Instance {
  return {
    InstanceId: 'i-0abc1234def567890',
    VpcId: 'vpc-1',
    State: { Name: 'running', Code: 16 },
    Tags: [{ Key: 'Name', Value: 'web-1' }],
    NetworkInterfaces: [{ NetworkInterfaceId: 'eni-a', VpcId: 'vpc-1', Groups: [{ GroupId: 'sg-web' }, { GroupId: 'sg-ssh' }] }],
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-root' } }],
    ...overrides,
  };
}
