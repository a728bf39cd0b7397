/**
 * Every handler of the catalog, by name, as a factory of its clients: how the simulator runs the
 * same code as Lambda. A handler added to the catalog without a factory here fails to compile.
 */
import type { HandlerName } from '../lib/catalog';
import { createNotifyHandler } from './notify/handler';
import { createTamperHandler } from './tamper/handler';
import type { HandlerDependencies, LambdaHandler } from './shared/report';

export const HANDLER_FACTORIES: Readonly<Record<HandlerName, (dependencies: HandlerDependencies) => LambdaHandler>> = {
  notify: createNotifyHandler,
  tamper: createTamperHandler,
};
