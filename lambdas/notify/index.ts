import { dependenciesFromEnvironment } from '../shared/environment';
import { createNotifyHandler } from './notify';

// Built once per container, reused by every invocation.
export const handler = createNotifyHandler(dependenciesFromEnvironment());
