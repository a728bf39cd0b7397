import { HANDLER_ENV } from '../../lib/contract';

/** Reads a variable the stack sets; a missing one is a deployment bug, reported by name. */
export function requiredEnv(name: (typeof HANDLER_ENV)[keyof typeof HANDLER_ENV]): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set; deploy the function through the guardduty-response stack`);
  return value;
}
