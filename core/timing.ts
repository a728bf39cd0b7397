/**
 * How long an AWS call may take, and so how long a remediation may run: one place for the SDK's
 * retry and timeout settings and the Lambda timeout that follows from them.
 *
 * The SDK's standard retry mode makes up to `maxAttempts` attempts, waiting a random delay of at
 * most 100 ms x 2^attempt between them (capped at 20 s; AWS SDKs and Tools Reference Guide,
 * "Retry behavior"). Without a request timeout an attempt can wait for a silent endpoint until
 * Lambda kills the function, so every attempt is bounded: `connectionTimeoutMs` to connect,
 * `requestTimeoutMs` for the answer.
 */
export interface SdkTiming {
  readonly maxAttempts: number;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export const SDK_TIMING: SdkTiming = {
  maxAttempts: 3,
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 3_000,
};

/** The longest one AWS call can take before the SDK gives up: every attempt timing out, plus the longest backoffs. */
export function worstCaseCallMs(timing: SdkTiming = SDK_TIMING): number {
  let backoff = 0;
  for (let retry = 1; retry < timing.maxAttempts; retry++) backoff += Math.min(20_000, 100 * 2 ** retry);
  return timing.maxAttempts * (timing.connectionTimeoutMs + timing.requestTimeoutMs) + backoff;
}

/**
 * The Lambda timeout of remediation functions. A remediation's calls are many (an isolation of an
 * instance with several interfaces and volumes makes 20-40) but each is bounded, and the
 * isolation checks the time left before its two moves (`MOVE_RESERVE_MS`): a run that would not
 * finish them stops before the first and the next delivery resumes. Five minutes hold 23
 * worst-case calls in a row; a normal isolation takes seconds.
 */
export const REMEDIATION_TIMEOUT_SECONDS = 300;

/** Notification functions make one call (SNS Publish): their timeout covers its worst case with room to spare. */
export const NOTIFY_TIMEOUT_SECONDS = 30;

/**
 * Time an isolation needs left before moving an interface: the move to the untracked group, the
 * move to the isolation group and, if that fails, the move back (three worst-case calls). The
 * untracked group is open to everything; an interface must never be left there by a timeout.
 */
export const MOVE_RESERVE_MS = 3 * worstCaseCallMs();
