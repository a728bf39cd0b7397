/**
 * How long an AWS call may take, and so how long a remediation may run: one place for the SDK's
 * retry and timeout settings and the Lambda timeout that follows from them.
 *
 * The SDK's standard retry mode makes up to `maxAttempts` attempts, waiting before retry k (from
 * 0) a random delay of at most min(20 s, base x 2^k), the base being 1 s after a throttling error
 * and 50 ms after another (AWS SDKs and Tools Reference Guide, "Retry behavior"; the values of the
 * pinned SDK, @smithy/core util-retry). Without a request timeout an attempt can wait for a silent
 * endpoint until Lambda kills the function, so every attempt is bounded: `connectionTimeoutMs` to
 * connect, `requestTimeoutMs` for the answer.
 */
export interface SdkTiming {
  /**
   * `adaptive` adds the SDK's client-side rate limiter: after a throttling error it paces the
   * client's requests, each waiting at most 1 / 0.5 tokens a second = 2 s (its minimum fill
   * rate, @smithy/core DefaultRateLimiter) before it is sent.
   */
  readonly retryMode: 'standard' | 'adaptive';
  readonly maxAttempts: number;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export const SDK_TIMING: SdkTiming = {
  retryMode: 'standard',
  maxAttempts: 3,
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 3_000,
};

/**
 * Remediation clients (EC2, Auto Scaling, STS, GuardDuty) wait longer for EC2's token buckets.
 * Measured with bench/burst.ts (100 isolations and 100 SSH revocations at once against an
 * endpoint that throttles as EC2 does): with 3 attempts and no concurrency bound 83-88 of 200
 * deliveries failed; with 5 attempts, 22 without a bound, 6 with 10 containers per function, 0-2
 * with `REMEDIATION_CONCURRENCY` (5); adaptive retry at 5 containers, none in most runs, within
 * 1.05-1.25x of the time EC2's buckets need. A sixth attempt did not end the rare failure (one
 * delivery in about one run of seven, with 5 attempts or 6): a step still throttled after these
 * attempts is tried again while the invocation has the time (lambdas/shared/steps.ts
 * THROTTLING_PAUSES_MS), which keeps one call's worst case, and the time reserved per
 * interface, short. The limiter's pacing is bounded (2 s per attempt), so the time budget below
 * still holds.
 */
export const REMEDIATION_SDK_TIMING: SdkTiming = { ...SDK_TIMING, retryMode: 'adaptive', maxAttempts: 5 };

/** The longest the adaptive rate limiter holds one attempt: one token at its minimum fill rate (0.5 a second). */
const RATE_LIMITER_MAX_WAIT_MS = 2_000;

/** The longest one AWS call can take before the SDK gives up: every attempt paced and timing out, plus the longest backoffs (throttling's). */
export function worstCaseCallMs(timing: SdkTiming = SDK_TIMING): number {
  let backoff = 0;
  for (let retry = 0; retry < timing.maxAttempts - 1; retry++) backoff += Math.min(20_000, 1_000 * 2 ** retry);
  const pacing = timing.retryMode === 'adaptive' ? RATE_LIMITER_MAX_WAIT_MS : 0;
  return timing.maxAttempts * (pacing + timing.connectionTimeoutMs + timing.requestTimeoutMs) + backoff;
}

/**
 * Containers each remediation function may run at once (its reserved concurrency; context flag
 * `remediationConcurrency`). EC2 refills a mutating action's bucket at 5 calls a second; more
 * containers than that only trade throttling for failures (bench/burst.ts). Deliveries beyond it
 * wait in Lambda's asynchronous queue, retried for up to 6 hours, instead of failing (AWS Lambda
 * Developer Guide, "Error handling and automatic retries in Lambda": throttled asynchronous events
 * return to the queue).
 */
export const REMEDIATION_CONCURRENCY = 5;

/**
 * The Lambda timeout of remediation functions: Lambda's maximum. A remediation's calls are many
 * (an isolation of an instance with several interfaces and volumes makes 20-40) but each is
 * bounded, and the isolation checks the time left before each interface's moves
 * (`MOVE_RESERVE_MS`): a run that would not finish them stops before them, and the next delivery
 * resumes there. 15 minutes hold the moves of 6 interfaces at their worst; a normal isolation
 * takes seconds, and only time used is billed.
 */
export const REMEDIATION_TIMEOUT_SECONDS = 900;

/**
 * How often Lambda retries a failed asynchronous invocation before it sends the event to the
 * function's dead-letter queue (0 to 2; AWS Lambda Developer Guide, "Configuring error handling
 * for asynchronous invocation"). A failed remediation alert says so (handler-shell.ts RETRIED_THEN_KEPT).
 */
export const ASYNC_RETRY_ATTEMPTS = 2;

/** Notification functions make one call (SNS Publish): their timeout covers its worst case with room to spare. */
export const NOTIFY_TIMEOUT_SECONDS = 30;

/**
 * Time an isolation needs left before moving an interface: the move to the untracked group, the
 * move to the isolation group and, if that fails, the move back (three worst-case calls). The
 * untracked group is open to everything; an interface must never be left there by a timeout.
 */
export const MOVE_RESERVE_MS = 3 * worstCaseCallMs(REMEDIATION_SDK_TIMING);
