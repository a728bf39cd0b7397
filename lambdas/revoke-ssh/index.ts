import { remediationFromEnvironment } from '../shared/remediation-environment';
import { createRevokeSshHandler } from './revoke-ssh';

// Built once per container, reused by every invocation.
export const handler = createRevokeSshHandler(remediationFromEnvironment());
