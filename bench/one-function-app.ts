/**
 * The reference of the synth figure (bench/synth.ts): a CDK app with one Node.js function, the
 * notify handler bundled as the stack bundles it. What any CDK user pays for `cdk synth`.
 */
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

const app = new App();
const stack = new Stack(app, 'OneFunction', { env: { account: '111122223333', region: 'eu-west-1' } });
new NodejsFunction(stack, 'Function', {
  entry: path.join(__dirname, '..', 'lambdas', 'notify', 'index.ts'),
  runtime: lambda.Runtime.NODEJS_22_X,
  bundling: { format: OutputFormat.ESM, target: 'node22', minify: true },
});
app.synth();
