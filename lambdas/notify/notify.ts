import { formatFindingAlert } from '../shared/alert';
import { FindingResponder } from '../shared/report';

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
