/**
 * Issue 4, scenarios 5 and 6, in ONE environment (harness/integration/scenario-ecr-login.ts):
 *
 * 5. "ECR Public login path and static-key path against moto": ecr-login with `credentials: static`
 *    (masked project variables), with and without `aws-role-arn` (sts assume-role), and with
 *    `registry-type: public` against the FAKE ECR Public API (moto has no ecr-public service; see
 *    ecr-public-fake.ts) and the registry answering as public.ecr.aws; each followed by a job that
 *    pushes with the stored credentials.
 * 6. "No secret value appears in any job log, dotenv or artifact; credential files are 0600": an
 *    OIDC login with logout, an OIDC login with `logout: false` into stores that already existed
 *    0644, and a scan of everything the five pipelines left behind.
 *
 * Assertions read the registry, moto's state, the fake's request record and the files on disk,
 * never job log text. Needs root (dockerd, mount namespaces, apt); not root: skipped with the
 * reason, unless CATALOG_REQUIRE_TOOLS=1, which turns the skip into a failure. The fake itself is
 * tested without root first.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeUnavailable, integrationUnavailable, REPO_ROOT } from '../helpers/integration.js';
import { ensurePackages } from '../../harness/integration/apt.js';
import { ECR_PUBLIC_REGION, startEcrPublicFake, type AwsRequestRecord, type EcrPublicFake } from '../../harness/integration/ecr-public-fake.js';
import { startEnvironment, type Environment } from '../../harness/integration/environment.js';
import { runUnchecked } from '../../harness/integration/process.js';
import { pipelineFailure } from '../../harness/integration/runner.js';
import {
  anonymousV2Status,
  CONCURRENT_JOBS,
  ECR_PUBLIC_HOST,
  loginVariants,
  prepareLoginContext,
  pushedImage,
  randomStaticKeys,
  runConcurrentLogins,
  runLoginVariant,
  STATIC_ROLE_ARN,
  OIDC_ROLE_ARN,
  staticKeySecrets,
  staticKeyVariables,
  storedCredential,
  type LoginRunResult,
  type VariantName,
} from '../../harness/integration/scenario-ecr-login.js';
import { credentialFileModes, findSecretLeaks, motoAssumedRoles, scanEnvironmentForLeaks } from '../../harness/integration/secrets.js';

const reason = integrationUnavailable;
const log = (line: string): void => console.log(`[scenario ecr-login] ${line}`);

const ECR_TOKEN_OPERATION = 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken';
const ECR_PUBLIC_TOKEN_OPERATION = 'SpencerFrontendService.GetAuthorizationToken';
const AUTH_HEADER = (region: string, service = 'ecr-public') =>
  `AWS4-HMAC-SHA256 Credential=AKIAFAKETEST12345678/20250101/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`;

describe('fake ECR Public API (moto has no ecr-public)', () => {
  let upstream: http.Server;
  let fake: EcrPublicFake;
  const upstreamBodies: string[] = [];
  beforeAll(async () => {
    // A stand-in for moto behind the fake: answers every pass-through with what it received.
    upstream = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        upstreamBodies.push(Buffer.concat(chunks).toString('utf8'));
        response.writeHead(200, { 'content-type': 'text/xml' });
        response.end('<upstream/>');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    fake = await startEcrPublicFake({ password: 'registry-password-1', upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, now: () => 1_700_000_000_000 });
  });
  afterAll(async () => {
    await fake.stop();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  const call = (target: string, authorization?: string) =>
    fetch(fake.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1', ...(authorization ? { authorization } : {}) },
      body: '{}',
    });

  it('answers GetAuthorizationToken signed for us-east-1 with base64 AWS:<password> and expiresAt', async () => {
    const response = await call(ECR_PUBLIC_TOKEN_OPERATION, AUTH_HEADER(ECR_PUBLIC_REGION));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { authorizationData: { authorizationToken: string; expiresAt: number } };
    expect(Buffer.from(body.authorizationData.authorizationToken, 'base64').toString()).toBe('AWS:registry-password-1');
    expect(body.authorizationData.expiresAt).toBe(1_700_000_000 + 12 * 3600);
  });

  it('refuses unsigned requests, other regions and services, and other operations', async () => {
    const unsigned = await call(ECR_PUBLIC_TOKEN_OPERATION);
    expect([unsigned.status, ((await unsigned.json()) as { __type: string }).__type]).toEqual([403, 'MissingAuthenticationTokenException']);
    const region = await call(ECR_PUBLIC_TOKEN_OPERATION, AUTH_HEADER('eu-west-1'));
    expect([region.status, ((await region.json()) as { __type: string }).__type]).toEqual([403, 'InvalidSignatureException']);
    const service = await call(ECR_PUBLIC_TOKEN_OPERATION, AUTH_HEADER(ECR_PUBLIC_REGION, 'ecr'));
    expect(service.status).toBe(403);
    const other = await call('SpencerFrontendService.DescribeRegistries', AUTH_HEADER(ECR_PUBLIC_REGION));
    expect([other.status, ((await other.json()) as { __type: string }).__type]).toEqual([400, 'UnknownOperationException']);
  });

  it('passes every other request through to the upstream unchanged and records its operation and signer', async () => {
    const response = await fetch(fake.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: AUTH_HEADER('eu-west-1', 'sts') },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect([response.status, await response.text()]).toEqual([200, '<upstream/>']);
    expect(upstreamBodies).toEqual(['Action=GetCallerIdentity&Version=2011-06-15']);
    expect(fake.requests.at(-1)).toEqual<AwsRequestRecord>({
      operation: 'GetCallerIdentity',
      service: 'sts',
      region: 'eu-west-1',
      accessKeyId: 'AKIAFAKETEST12345678',
      handledBy: 'upstream',
      status: 200,
    });
  });

  // The real client the component runs: `aws ecr-public get-login-password --endpoint-url`.
  it.runIf(existsSync('/usr/bin/aws'))('serves the AWS CLI v2: get-login-password prints the password, other regions fail', async () => {
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: os.tmpdir(), AWS_ACCESS_KEY_ID: 'AKIAFAKETEST12345678', AWS_SECRET_ACCESS_KEY: 'x', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' };
    const ok = await runUnchecked('/usr/bin/aws', ['--endpoint-url', fake.endpoint, '--region', ECR_PUBLIC_REGION, 'ecr-public', 'get-login-password'], { env });
    expect([ok.exitCode, ok.stdout]).toEqual([0, 'registry-password-1']);
    const wrong = await runUnchecked('/usr/bin/aws', ['--endpoint-url', fake.endpoint, '--region', 'eu-west-1', 'ecr-public', 'get-login-password'], { env });
    expect(wrong.exitCode).not.toBe(0);
  });
});

describeUnavailable('scenario ecr-login');

describe.runIf(reason === undefined)('scenarios 5 and 6: ecr-login static keys, ECR Public, no secret leaks (host-based: ECR Public has no moto API; its signing-checking fake runs on the machine\'s loopback)', () => {
  let env: Environment | undefined;
  let fake: EcrPublicFake | undefined;
  const keys = randomStaticKeys();
  const results = new Map<VariantName, LoginRunResult>();

  const ready = (): { env: Environment; fake: EcrPublicFake } => {
    if (env === undefined || fake === undefined) throw new Error('the environment did not start (see beforeAll)');
    return { env, fake };
  };
  const run = async (name: VariantName, withStaticKeys: boolean): Promise<LoginRunResult> => {
    const { env: e, fake: f } = ready();
    const result = await runLoginVariant(e, f, loginVariants(e.ecrHost)[name], withStaticKeys ? staticKeyVariables(keys) : []);
    results.set(name, result);
    return result;
  };
  /** The registry holds the image the run's push job built (its nonce label), under the expected ref. */
  const expectPushed = async (result: LoginRunResult): Promise<void> => {
    const image = await pushedImage(ready().env, result.pushedRef);
    expect(image.labels['org.example.scenario-nonce']).toBe(result.nonce);
    const [repository, tag] = result.pushedRef.slice(result.variant.registryHost.length + 1).split(':');
    expect(await ready().env.tags(repository ?? '')).toContain(tag);
  };
  /** After a run with the default job stores: the shared stores were never written, no job store is left. */
  const expectJobStoresRemoved = (result: LoginRunResult): void => {
    expect(result.variant.sharedStores).toBe(false);
    expect(existsSync(result.stores.dockerConfig)).toBe(false);
    expect(existsSync(result.stores.authFile)).toBe(false);
    expect(readdirSync(ready().env.jobEnv['TMPDIR'] ?? '').filter((name) => name.startsWith('ecr-login'))).toEqual([]);
  };
  /** After a shared-store run with logout: both stores exist (the login wrote them) and hold no credential for the host. */
  const expectLoggedOut = (result: LoginRunResult): void => {
    expect(existsSync(result.stores.dockerConfig)).toBe(true);
    expect(existsSync(result.stores.authFile)).toBe(true);
    expect(storedCredential(result.stores.dockerConfig, result.variant.registryHost)).toBeUndefined();
    expect(storedCredential(result.stores.authFile, result.variant.registryHost)).toBeUndefined();
  };

  beforeAll(async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'catalog-scenario-login-'));
    env = await startEnvironment({ workDir, repo: REPO_ROOT, log, extraHostnames: [ECR_PUBLIC_HOST] });
    const e = env;
    // The podman target of the login (REGISTRY_AUTH_FILE) needs one of podman, buildah, skopeo.
    await e.step('podman (apt)', () => ensurePackages(['podman'], { log }));
    fake = await e.step('fake ECR Public API', () => startEcrPublicFake({ password: e.token.password, upstream: e.moto.endpoint }));
    await prepareLoginContext(e);
  }, 900_000);

  afterAll(async () => {
    await fake?.stop();
    await env?.stop();
    for (const [name, ms] of Object.entries(env?.timings ?? {})) console.log(`[time] ${name}: ${(ms / 1000).toFixed(1)} s`);
  }, 120_000);

  it('precondition: the registry refuses anonymous access under both names, so a push proves the login', async () => {
    const { env: e } = ready();
    expect(await anonymousV2Status(e, e.ecrHost)).toBe('401');
    expect(await anonymousV2Status(e, ECR_PUBLIC_HOST)).toBe('401');
  });

  it('scenario 5: static keys (masked variables) sign every AWS call, and the stored docker credentials push', { timeout: 600_000 }, async () => {
    const result = await run('static', true);
    expect(result.run.pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      ['ecr-login-check', 'success'],
      ['push-image', 'success'],
    ]);
    await expectPushed(result);
    const requests = result.requests;
    expect(requests.filter((r) => r.operation === ECR_TOKEN_OPERATION).length).toBeGreaterThan(0);
    // Every call of both jobs was signed with the static key, in the login's region; no STS session.
    expect(new Set(requests.map((r) => `${r.accessKeyId ?? 'unsigned'} ${r.region ?? ''}`))).toEqual(new Set([`${keys.accessKeyId} eu-west-1`]));
    expect(requests.some((r) => r.operation === 'AssumeRole' || r.operation === 'AssumeRoleWithWebIdentity')).toBe(false);
    expect(result.run.pipeline.jobs[0]?.dotenv).toMatchObject({ ECR_REGISTRY: ready().env.ecrHost, ECR_REGION: 'eu-west-1', ECR_AWS_ACCOUNT_ID: '123456789012' });
    expectLoggedOut(result);
  });

  it('scenario 5: static keys + aws-role-arn: sts assume-role with the keys, then ECR with the session moto issued', { timeout: 600_000 }, async () => {
    const result = await run('static-role', true);
    await expectPushed(result);
    const requests = result.requests;
    const assumes = requests.filter((r) => r.operation === 'AssumeRole');
    expect(assumes.length).toBe(2); // one login per job: the check job and the push job
    expect(assumes.every((r) => r.accessKeyId === keys.accessKeyId && r.status === 200)).toBe(true);
    const sessionKeys = new Set((await motoAssumedRoles(ready().env.moto.endpoint)).filter((r) => r.role_arn === STATIC_ROLE_ARN).map((r) => r.access_key_id));
    expect(sessionKeys.size).toBe(2);
    const tokenSigners = requests.filter((r) => r.operation === ECR_TOKEN_OPERATION).map((r) => r.accessKeyId);
    expect(tokenSigners.length).toBeGreaterThan(0);
    expect(tokenSigners.every((id) => id !== undefined && sessionKeys.has(id))).toBe(true);
    expectJobStoresRemoved(result);
  });

  it('scenario 5: ECR Public: the token from GetAuthorizationToken in us-east-1 pushes to public.ecr.aws/<alias>/<repo>', { timeout: 600_000 }, async () => {
    const result = await run('public', true);
    expect(result.run.pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      ['ecr-public-login-check', 'success'],
      ['push-image', 'success'],
    ]);
    await expectPushed(result);
    const tokenCalls = result.requests.filter((r) => r.operation === ECR_PUBLIC_TOKEN_OPERATION);
    // get-login-password in each job's login, plus the check job's expiry read.
    expect(tokenCalls.length).toBeGreaterThanOrEqual(2);
    expect(tokenCalls.every((r) => r.handledBy === 'fake' && r.status === 200 && r.region === ECR_PUBLIC_REGION && r.accessKeyId === keys.accessKeyId)).toBe(true);
    expect(result.requests.some((r) => r.operation === ECR_TOKEN_OPERATION)).toBe(false);
    expect(result.run.pipeline.jobs[0]?.dotenv).toMatchObject({ ECR_REGISTRY: ECR_PUBLIC_HOST, ECR_REGION: ECR_PUBLIC_REGION });
    expectJobStoresRemoved(result);
  });

  it('scenario 6: an OIDC login pushes, and leaves no credential store behind (its job store is removed)', { timeout: 600_000 }, async () => {
    const result = await run('oidc', false);
    await expectPushed(result);
    const webIdentity = result.requests.filter((r) => r.operation === 'AssumeRoleWithWebIdentity');
    expect(webIdentity.length).toBe(2);
    expect((await motoAssumedRoles(ready().env.moto.endpoint)).filter((r) => r.role_arn === OIDC_ROLE_ARN).length).toBe(2);
    expectJobStoresRemoved(result);
  });

  it('scenario 6: with logout: false the stores keep the registry credential in 0600 files, even where they existed 0644', { timeout: 600_000 }, async () => {
    const result = await run('stores', false);
    // Before the run both stores existed, readable by everyone (as a provisioned shell runner's may).
    expect(result.storesBefore.map((m) => m.mode)).toEqual(['644', '644']);
    await expectPushed(result);
    const { dockerConfig, authFile } = result.stores;
    // The files really are the stores the login wrote: they hold AWS:<moto's token password>.
    const expected = `AWS:${ready().env.token.password}`;
    expect(storedCredential(dockerConfig, ready().env.ecrHost)).toBe(expected);
    expect(storedCredential(authFile, ready().env.ecrHost)).toBe(expected);
    expect(credentialFileModes([dockerConfig, authFile]).map((m) => [path.basename(m.file), m.mode])).toEqual([
      ['config.json', '600'],
      ['auth.json', '600'],
    ]);
  });

  it('scenario 6: no secret in any job log, dotenv report, artifact, TMPDIR or logged-out store of the five pipelines', { timeout: 300_000 }, async () => {
    const { env: e } = ready();
    const runs = [...results.values()];
    expect(runs.map((r) => r.variant.name).sort()).toEqual(['oidc', 'public', 'static', 'static-role', 'stores']);
    const kept = runs.filter((r) => r.variant.keepsCredentials).map((r) => path.dirname(r.stores.dockerConfigDir));
    const scan = await scanEnvironmentForLeaks(
      e,
      runs.map((r) => r.run),
      {
        secrets: staticKeySecrets(keys),
        paths: runs.filter((r) => !r.variant.keepsCredentials).map((r) => path.dirname(r.stores.dockerConfigDir)),
        exclude: kept,
      },
    );
    // The scan covered what it must: every job log, the check jobs' dotenv file, the logged-out stores.
    const logs = runs.flatMap((r) => r.run.pipeline.jobs.map((j) => j.logFile).filter((f): f is string => f !== undefined));
    expect(logs.length).toBe(10);
    expect(scan.files).toEqual(expect.arrayContaining([...logs, path.join(e.project, 'ecr-login.env'), results.get('static')?.stores.dockerConfig ?? '']));
    // ... for every kind of secret: registry password, ID tokens, static keys, the STS sessions moto issued.
    expect(scan.secrets).toEqual(expect.arrayContaining(['moto registry password', 'static AWS_SECRET_ACCESS_KEY']));
    expect(scan.secrets.filter((s) => s.startsWith('STS session')).length).toBe(6 * 3);
    expect(scan.secrets.filter((s) => s.endsWith('JWT signature')).length).toBe(5);
    expect(scan.leaks).toEqual([]);
    // Positive control on real output: the stores kept by `logout: false` (left out above) hold the
    // password base64-encoded, and the same scanner finds it there.
    const control = findSecretLeaks(kept, [{ name: 'moto registry password', value: e.token.password }]);
    expect(control.map((l) => [path.basename(l.file), l.form])).toEqual([
      ['auth.json', 'base64'],
      ['config.json', 'base64'],
    ]);
  });

  // Last: its jobs' STS sessions and ID tokens are not among the five pipelines' counted above.
  it('item 3: two jobs at once on one shell runner: the logout of the one that ends first does not log the other out', { timeout: 600_000 }, async () => {
    const { env: e } = ready();
    // GitLab Runner's per-job temporary directory beside the project (`<CI_PROJECT_DIR>.tmp`); one
    // for both jobs here, stricter than a real runner, whose concurrent jobs have one each.
    const runnerTemp = path.join(e.workDir, 'project.tmp');
    mkdirSync(runnerTemp, { recursive: true, mode: 0o700 });
    const result = await runConcurrentLogins(e, { RUNNER_TEMP_PROJECT_DIR: runnerTemp });
    expect(result.run.pipeline.status, pipelineFailure(result.run.pipeline)).toBe('success');
    expect(result.run.pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      [CONCURRENT_JOBS.early, 'success'],
      [CONCURRENT_JOBS.late, 'success'],
    ]);
    const image = await pushedImage(e, result.pushedRef);
    expect(image.labels['org.example.scenario-nonce']).toBe(result.nonce);
    // The runner's shared store holds no credential afterwards, and no job left a store behind.
    const sharedConfig = path.join(e.jobEnv['DOCKER_CONFIG'] ?? '', 'config.json');
    expect(storedCredential(sharedConfig, e.ecrHost)).toBeUndefined();
    const leftovers = [runnerTemp, e.jobEnv['TMPDIR'] ?? ''].flatMap((dir) => readdirSync(dir).filter((name) => name.startsWith('ecr-login')));
    expect(leftovers).toEqual([]);
  });
});
