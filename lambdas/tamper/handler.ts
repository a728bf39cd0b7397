import { playbookById, isPlaybookId } from '../../core/catalog';
import { parseApiCallEvent } from '../shared/api-call';
import { HandlerDependencies, LambdaHandler, deliveredOnce, eventHandler } from '../shared/report';
import { tamper } from './tamper';

/** The tamper handler, given its clients: built by index.ts for Lambda and by the simulator offline. */
export function createTamperHandler(dependencies: HandlerDependencies): LambdaHandler {
  const { playbookId } = dependencies;
  const playbook = isPlaybookId(playbookId) ? playbookById(playbookId) : undefined;
  if (playbook?.trigger !== 'api-call') throw new Error(`playbook '${playbookId}' is not an API-call playbook of the catalog`);
  return eventHandler(dependencies, (event) => parseApiCallEvent(event, playbook.source), deliveredOnce(dependencies.deliveryLog, dependencies.logger, tamper(playbookId, dependencies.ownRoleArns)));
}
