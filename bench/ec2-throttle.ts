/**
 * An EC2 endpoint that throttles as EC2 does, in front of moto: each action has its own token
 * bucket per account and Region, a request takes a token or is refused with `RequestLimitExceeded`
 * (HTTP 503, EC2's error document), and the bucket refills at its rate up to its capacity.
 *
 * Bucket sizes and refill rates: Amazon EC2 Developer Guide, "Request throttling for the Amazon
 * EC2 API" (request token bucket sizes and refill rates). Only the request buckets apply to the
 * actions our playbooks call; the resource buckets (RunInstances, TerminateInstances...) do not.
 * The Describe actions count as filtered or paginated (the handlers always filter or name ids).
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';

export interface Bucket {
  readonly capacity: number;
  /** Tokens added per second. */
  readonly refill: number;
}

const NON_MUTATING: Bucket = { capacity: 100, refill: 20 };
const MUTATING: Bucket = { capacity: 50, refill: 5 };
/** The doc's "resource-intensive" list, which holds the security-group rule changes: same numbers as mutating. */
const RESOURCE_INTENSIVE: Bucket = { capacity: 50, refill: 5 };
/** Actions with their own row in the doc's "uncategorized" table. */
const OWN_BUCKET: Readonly<Record<string, Bucket>> = {
  CreateTags: { capacity: 100, refill: 10 },
  DeleteTags: { capacity: 100, refill: 10 },
  CreateSnapshot: { capacity: 100, refill: 5 },
  CreateSnapshots: { capacity: 100, refill: 5 },
  ModifyNetworkInterfaceAttribute: { capacity: 100, refill: 5 },
  CreateNetworkInterface: { capacity: 100, refill: 5 },
};
const RESOURCE_INTENSIVE_ACTIONS = new Set(['AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress']);

export function bucketOf(action: string): Bucket {
  if (OWN_BUCKET[action]) return OWN_BUCKET[action];
  if (RESOURCE_INTENSIVE_ACTIONS.has(action)) return RESOURCE_INTENSIVE;
  return /^(Describe|List|Search|Get)/.test(action) ? NON_MUTATING : MUTATING;
}

/**
 * The shortest time in which `calls` requests of each action can be served, starting from full
 * buckets: an action's buckets drain at once, then serve `refill` per second. Buckets are
 * independent, so the slowest action decides.
 */
export function tokenBucketLimitSeconds(calls: ReadonlyMap<string, number>): number {
  let limit = 0;
  for (const [action, n] of calls) {
    const { capacity, refill } = bucketOf(action);
    limit = Math.max(limit, Math.max(0, n - capacity) / refill);
  }
  return limit;
}

export interface ThrottlingEndpoint {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** Requests EC2 served, by action. */
  readonly accepted: Map<string, number>;
  /** Requests refused with RequestLimitExceeded, by action. */
  readonly throttled: Map<string, number>;
  close(): Promise<void>;
}

const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** Starts the throttling endpoint; every request it accepts is answered by `upstream` (moto). */
export async function startThrottlingEndpoint(upstream: string): Promise<ThrottlingEndpoint> {
  const tokens = new Map<string, { level: number; at: number }>();
  const accepted = new Map<string, number>();
  const throttled = new Map<string, number>();
  const take = (action: string): boolean => {
    const { capacity, refill } = bucketOf(action);
    const now = performance.now();
    const bucket = tokens.get(action) ?? { level: capacity, at: now };
    bucket.level = Math.min(capacity, bucket.level + ((now - bucket.at) / 1000) * refill);
    bucket.at = now;
    tokens.set(action, bucket);
    if (bucket.level < 1) return false;
    bucket.level -= 1;
    return true;
  };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? 'Unknown';
      if (!take(action)) {
        count(throttled, action);
        response.writeHead(503, { 'content-type': 'text/xml;charset=UTF-8' });
        response.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`,
        );
        return;
      }
      count(accepted, action);
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'content-length' && name !== 'connection')) as Record<string, string>;
      fetch(`${upstream}${request.url ?? '/'}`, { method: request.method, headers, body })
        .then(async (answer) => {
          const text = Buffer.from(await answer.arrayBuffer());
          response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/xml' });
          response.end(text);
        })
        .catch((error: unknown) => {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accepted,
    throttled,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
