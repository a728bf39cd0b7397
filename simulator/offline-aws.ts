/**
 * Real AWS SDK clients whose calls are answered on this machine: a middleware at the first step
 * of the stack records each command and returns the answer, before any credential is resolved,
 * any request is signed or any byte leaves. Handlers run unchanged against them.
 */
export interface AwsCall {
  readonly service: string;
  /** The API operation, e.g. `RevokeSecurityGroupIngress`. */
  readonly operation: string;
  /** The command input as sent (so `DryRun: true` shows). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly account: string;
  readonly region: string;
}

/** Returns the operation's output, or throws the error the service would return. */
export type Answer = (call: AwsCall) => Record<string, unknown>;

/** Placeholder credentials, so that nothing on the machine (env, ~/.aws) is ever read. */
export const OFFLINE_CREDENTIALS = { accessKeyId: 'OFFLINE', secretAccessKey: 'OFFLINE' } as const;

/**
 * Structural: any AWS SDK v3 client. Each client types its stack with its own input/output
 * unions, so the middleware is typed loosely here and narrowed inside.
 */
interface AnyClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly middlewareStack: { add(middleware: any, options: { step: 'initialize'; priority: 'high'; name: string }): void };
}

export function answerOffline<C extends AnyClient>(client: C, where: { service: string; account: string; region: string }, answer: Answer, record: (call: AwsCall) => void): C {
  client.middlewareStack.add(
    (_next: unknown, context: Record<string, unknown>) => async (args: { input: unknown }) => {
      const commandName = String(context.commandName ?? 'UnknownCommand');
      const call: AwsCall = { ...where, operation: commandName.replace(/Command$/, ''), params: structuredClone(args.input as Record<string, unknown>) };
      record(call);
      return { output: { ...answer(call), $metadata: { httpStatusCode: 200, requestId: 'offline' } }, response: undefined };
    },
    { step: 'initialize', priority: 'high', name: 'guardDutyResponseOffline' },
  );
  return client;
}
