import { parseActionableFinding } from '../shared/finding';
import type { LambdaHandler } from '../shared/report';
import { findingHandler } from '../shared/report';
import type { RemediationDependencies } from '../shared/remediation';
import { revokeSsh } from './revoke-ssh';

/** The revoke-ssh handler, given its clients: built by index.ts for Lambda and by the simulator offline. */
export function createRevokeSshHandler(dependencies: RemediationDependencies): LambdaHandler {
  return findingHandler(dependencies, revokeSsh(dependencies), parseActionableFinding);
}
