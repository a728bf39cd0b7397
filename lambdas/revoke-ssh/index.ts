import { remediationFromEnvironment } from '../shared/remediation-environment';
import { createRevokeSshHandler } from './handler';

// Built once per container, reused by every invocation.
export const handler = createRevokeSshHandler(remediationFromEnvironment());
