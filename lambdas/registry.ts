/**
 * Every handler of the catalog, by name, as a factory of its clients: how the simulator runs the
 * same code as Lambda. A handler added to the catalog without a factory here fails to compile.
 */
import type { HandlerName } from '../core/catalog';
import { createNotifyHandler } from './notify/notify';
import { createTamperHandler } from './tamper/tamper';
import type { LambdaHandler } from './shared/handler-shell';
import type { RemediationDependencies } from './shared/remediation';
import { createIsolateHandler } from './isolate/isolate';
import { createRevokeSshHandler } from './revoke-ssh/revoke-ssh';
import { createDigestHandler } from './digest/digest';

/** Every factory takes the full set of dependencies; each uses what it needs. */
export const HANDLER_FACTORIES: Readonly<Record<HandlerName, (dependencies: RemediationDependencies) => LambdaHandler>> = {
  notify: createNotifyHandler,
  tamper: createTamperHandler,
  'revoke-ssh': createRevokeSshHandler,
  isolate: createIsolateHandler,
  // The digest reads the storm windows; the simulator runs it with its own state (simulate.ts).
  digest: (dependencies) => {
    if (!dependencies.stormDigest) throw new Error('the digest handler needs stormDigest');
    return createDigestHandler({ ...dependencies, stormDigest: dependencies.stormDigest });
  },
};
