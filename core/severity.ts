/**
 * GuardDuty severity bands (GuardDuty User Guide, "Severity levels of GuardDuty findings"):
 * Low 1.0-3.9, Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0. Pure, shared by config and handlers.
 */
export const SEVERITY_LABELS = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type SeverityLabel = (typeof SEVERITY_LABELS)[number];

/** The lowest score of each band. */
export const SEVERITY_FLOOR: Readonly<Record<SeverityLabel, number>> = { LOW: 1, MEDIUM: 4, HIGH: 7, CRITICAL: 9 };

export const MAX_SEVERITY = 10;

export function severityLabel(score: number): SeverityLabel {
  if (score >= SEVERITY_FLOOR.CRITICAL) return 'CRITICAL';
  if (score >= SEVERITY_FLOOR.HIGH) return 'HIGH';
  if (score >= SEVERITY_FLOOR.MEDIUM) return 'MEDIUM';
  return 'LOW';
}

/** The score an alert carries when only a label is known (tamper alerts): GuardDuty's own sample values, and 9 for Critical. */
export const SEVERITY_SCORE_OF_LABEL: Readonly<Record<SeverityLabel, number>> = { LOW: 2, MEDIUM: 5, HIGH: 8, CRITICAL: 9 };
