import { dependenciesFromEnvironment } from '../shared/environment';
import { createTamperHandler } from './handler';

// Built once per container, reused by every invocation.
export const handler = createTamperHandler(dependenciesFromEnvironment());
