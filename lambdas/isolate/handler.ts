import { parseActionableFinding } from '../shared/finding';
import type { RemediationDependencies } from '../shared/remediation';
import { LambdaHandler, findingHandler } from '../shared/report';
import { isolate } from './isolate';

/** The isolate handler, given its clients: built by index.ts for Lambda and by the simulator offline. */
export function createIsolateHandler(dependencies: RemediationDependencies): LambdaHandler {
  return findingHandler(dependencies, isolate(dependencies), parseActionableFinding);
}
