/**
 * Measures the worst case of one AWS call as the functions make it (core/timing.ts): an endpoint
 * that accepts connections and never answers, so every attempt runs into the request timeout and
 * the SDK retries with its backoff. The remediation timeout and the isolation's time check are
 * sized from this figure. Run: `npx tsx bench/worst-case-call.ts`.
 */
import { createServer } from 'node:net';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CLIENT_TIMING } from '../lambdas/shared/environment';
import { worstCaseCallMs } from '../core/timing';

const server = createServer(() => {
  // Accept, never answer.
});
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address() as { port: number };
  const ec2 = new EC2Client({ ...CLIENT_TIMING, region: 'eu-west-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    try {
      await ec2.send(new DescribeInstancesCommand({}));
    } catch (error) {
      times.push(performance.now() - start);
      console.log(`call ${i + 1}: failed after ${Math.round(times[i])} ms (${(error as Error).name}, ${(error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? '?'} attempts)`);
    }
  }
  console.log(`computed worst case (core/timing.ts): ${worstCaseCallMs()} ms; measured at most ${Math.round(Math.max(...times))} ms`);
  server.close();
  process.exit(Math.max(...times) <= worstCaseCallMs() ? 0 : 1);
});
