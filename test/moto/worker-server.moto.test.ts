import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MOTO_PID_RECORD_PREFIX } from '../support/global-setup';
import { workerServer } from '../support/moto';

const records = () => readdirSync(tmpdir()).filter((name) => name.startsWith(MOTO_PID_RECORD_PREFIX));
const recordOf = (endpoint: string) => records().find((name) => readFileSync(path.join(tmpdir(), name), 'utf8').includes(endpoint));

describe("a jest worker's moto server (useMoto)", () => {
  it('serves every test file of the worker, each with a block of accounts of its own', async () => {
    const first = await workerServer();
    const second = await workerServer();
    expect(second.endpoint).toBe(first.endpoint);
    expect(second.firstAccount - first.firstAccount).toBe(1_000_000);
    expect(recordOf(first.endpoint)).toBeDefined();
  });

  it('replaces a recorded server that no longer answers, and records the new one for the teardown', async () => {
    const worker = process.env.JEST_WORKER_ID;
    // A stand-in for a server that hung: a process of its own (the teardown stops it), recorded
    // with an endpoint nothing listens on, for a worker id no other test uses.
    const hung = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    hung.unref();
    const hungRecord = path.join(tmpdir(), `${MOTO_PID_RECORD_PREFIX}${hung.pid}`);
    writeFileSync(hungRecord, JSON.stringify({ worker: 'stale-worker', endpoint: 'http://127.0.0.1:9', files: 3 }));
    process.env.JEST_WORKER_ID = 'stale-worker';
    try {
      const server = await workerServer();
      expect(server.endpoint).not.toBe('http://127.0.0.1:9');
      expect(server.firstAccount).toBe(200_000_000_000);
      expect(JSON.parse(readFileSync(path.join(tmpdir(), recordOf(server.endpoint)!), 'utf8'))).toEqual({ worker: 'stale-worker', endpoint: server.endpoint, files: 1 });
    } finally {
      process.env.JEST_WORKER_ID = worker;
      process.kill(-hung.pid!, 'SIGKILL');
      rmSync(hungRecord, { force: true });
    }
  }, 30_000);
});
