import { dependenciesFromEnvironment } from '../shared/environment';
import { createTamperHandler } from './tamper';

// Built once per container, reused by every invocation.
export const handler = createTamperHandler(dependenciesFromEnvironment());
