import { credentialsTreatedAsExpired, credentialsWillNeedRefresh, defaultProvider } from '../../lambdas/shared/lambda-credentials';

describe("The functions' credential chain (the bundles' alias of the SDK default chain)", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("reads the execution role's credentials from the environment Lambda sets", async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });
    expect(await defaultProvider()()).toMatchObject({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  it('fails, naming the missing variables, instead of looking anywhere else', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    await expect(defaultProvider()()).rejects.toThrow(/AWS_ACCESS_KEY_ID|environment/i);
  });

  it('never asks for a refresh: the environment lives as long as its credentials', () => {
    const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
    expect([credentialsWillNeedRefresh(credentials), credentialsTreatedAsExpired(credentials)]).toEqual([false, false]);
  });
});
