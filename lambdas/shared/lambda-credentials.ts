/**
 * What the functions' bundles use instead of `@aws-sdk/credential-provider-node` (an esbuild alias,
 * infra/constructs/response-function.ts): every AWS SDK client's default credential chain. In
 * Lambda that chain ends at its first link: Lambda gives the execution role's credentials in
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN ("Defined runtime environment
 * variables", AWS Lambda Developer Guide). The other links (SSO, ini files, processes, web
 * identity, container and instance metadata, each with its own clients) were a quarter of the
 * notify bundle and of its cold start (npm run bench). Assumed-role clients get their
 * credentials explicitly and never consult the chain. Tests and the simulator run unbundled code
 * and keep the SDK's own chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}): AwsCredentialIdentityProvider => fromEnv(init);

/** The environment's credentials live as long as the execution environment: never refreshed here. */
export const credentialsWillNeedRefresh = (_credentials: AwsCredentialIdentity): boolean => false;
export const credentialsTreatedAsExpired = (_credentials: AwsCredentialIdentity): boolean => false;
