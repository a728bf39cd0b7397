import { dependenciesFromEnvironment } from '../shared/environment';
import { createNotifyHandler } from './handler';

// Built once per container, reused by every invocation.
export const handler = createNotifyHandler(dependenciesFromEnvironment());
