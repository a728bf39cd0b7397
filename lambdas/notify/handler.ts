import { HandlerDependencies, LambdaHandler, findingHandler } from '../shared/report';
import { notify } from './notify';

/** The notify handler, given its clients: built by index.ts for Lambda and by the simulator offline. */
export function createNotifyHandler(dependencies: HandlerDependencies): LambdaHandler {
  return findingHandler(dependencies, notify(dependencies.playbookId));
}
