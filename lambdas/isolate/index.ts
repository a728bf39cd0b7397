import { autoScalingClients, remediationFromEnvironment } from '../shared/remediation-environment';
import { createIsolateHandler } from './isolate';

// Built once per container, reused by every invocation.
export const handler = createIsolateHandler({ ...remediationFromEnvironment(), autoScalingClient: autoScalingClients });
