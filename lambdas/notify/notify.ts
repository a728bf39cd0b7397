import { formatFindingAlert } from '../shared/alert';
import { FindingResponder, HandlerDependencies, LambdaHandler, findingHandler } from '../shared/handler-shell';

/** The notification playbooks change nothing: the alert itself is the response. */
export function notify(playbookId: string): FindingResponder {
  return async (finding) =>
    formatFindingAlert(finding, {
      playbookId,
      summary: finding.sample
        ? 'Alert only (sample finding). No change was made to your resources.'
        : 'Alert only. No change was made to your resources; investigate with the links below.',
    });
}

/** The notify handler, given its clients: built by index.ts for Lambda and by the simulator offline. */
export function createNotifyHandler(dependencies: HandlerDependencies): LambdaHandler {
  return findingHandler(dependencies, notify(dependencies.playbookId));
}
