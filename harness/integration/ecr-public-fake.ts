/**
 * FAKE ECR Public API: moto has no ecr-public service (moto 5.2 ships `moto/ecr` only), and no real
 * ECR Public endpoint is reachable here. This is the one fake of the login scenarios, and it is as
 * small as the login needs:
 *
 * - `SpencerFrontendService.GetAuthorizationToken` (ECR Public's AWS JSON 1.1 target, as botocore's
 *   `ecr-public/2020-10-30/service-2.json` names it): answers `authorizationData` with
 *   `authorizationToken` = base64(`AWS:<password>`) and `expiresAt` (epoch seconds), where the
 *   password is the one the scenario registry's htpasswd holds (moto's ECR token password), so the
 *   token really opens the registry answering as `public.ecr.aws`. The request must carry a SigV4
 *   `Authorization` header scoped to `us-east-1` and service `ecr-public` (ECR Public only
 *   authenticates there); the signature itself is not verified (the fake does not know session keys).
 * - `SpencerFrontendService.DescribeRepositories` / `CreateRepository`: the repositories created
 *   through this fake (none at start; `RepositoryNotFoundException` for the others), so a
 *   component's `create-repository` against ECR Public can be seen to call ECR Public and not
 *   private ECR (moto would create a private repository);
 * - any other `SpencerFrontendService.*` target: `UnknownOperationException` (the check job's
 *   `describe-registries` is optional and turns that into a warning).
 * - every other request is passed through byte for byte to moto (`upstream`): the component sends
 *   ALL of its AWS calls (STS as well as ECR Public) to its one `aws-endpoint-url`, and AWS CLI 2.9
 *   has no per-service endpoint variables.
 *
 * Every request is recorded (service and region of its SigV4 scope, access key id, operation), so a
 * test can assert which credentials reached which API without reading job logs.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const ECR_PUBLIC_REGION = 'us-east-1';
export const ECR_PUBLIC_SIGNING_NAME = 'ecr-public';
const TARGET_PREFIX = 'SpencerFrontendService.';
/** ECR Public tokens are valid for 12 hours. */
const TOKEN_TTL_SECONDS = 12 * 3600;

export interface AwsRequestRecord {
  /** `SpencerFrontendService.GetAuthorizationToken`, `AssumeRole` (query protocol `Action`), …; '' when none. */
  readonly operation: string;
  /** From the SigV4 credential scope; undefined when the request was not signed. */
  readonly service: string | undefined;
  readonly region: string | undefined;
  readonly accessKeyId: string | undefined;
  /** `fake`: answered here; `upstream`: passed through to moto. */
  readonly handledBy: 'fake' | 'upstream';
  readonly status: number;
}

export interface EcrPublicFake {
  /** `http://127.0.0.1:<port>`: the `aws-endpoint-url` of the jobs. */
  readonly endpoint: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly AwsRequestRecord[];
  /** The names of the ECR Public repositories created through `CreateRepository`, in order. */
  readonly repositories: readonly string[];
  stop(): Promise<void>;
}

export interface EcrPublicFakeOptions {
  /** The registry password the token carries (user `AWS`). */
  readonly password: string;
  /** Where everything but ECR Public goes: moto's endpoint, `http://host:port`. */
  readonly upstream: string;
  readonly host?: string | undefined;
  /** Clock for `expiresAt` (tests). */
  readonly now?: (() => number) | undefined;
}

interface SigV4Scope {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([A-Za-z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request,\s*SignedHeaders=[a-z0-9;-]+,\s*Signature=[0-9a-f]{64}$/;

/** The credential scope of a SigV4 `Authorization` header; undefined when absent or malformed. */
export function parseSigV4(header: string | undefined): SigV4Scope | undefined {
  const match = header === undefined ? null : SIGV4.exec(header.trim());
  if (match === null) return undefined;
  const [, accessKeyId, , region, service] = match;
  if (accessKeyId === undefined || region === undefined || service === undefined) return undefined;
  return { accessKeyId, region, service };
}

/** The operation a request names: the JSON protocols' `X-Amz-Target`, or the query protocol's `Action`. */
function operationOf(request: http.IncomingMessage, body: Buffer): string {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') return target;
  const query = new URL(request.url ?? '/', 'http://fake').searchParams.get('Action');
  if (query !== null) return query;
  const type = request.headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(body.toString('utf8')).get('Action') ?? '';
  return '';
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** An AWS JSON 1.1 answer; errors carry `__type`, which botocore reads as the error code. */
function sendJson(response: http.ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
  });
  response.end(text);
}

function sendError(response: http.ServerResponse, status: number, type: string, message: string): number {
  sendJson(response, status, { __type: type, message }, type);
  return status;
}

/** The `repositoryName` / `repositoryNames` of an ECR Public request body (AWS JSON 1.1). */
function repositoryNamesOf(body: Buffer): string[] {
  const parsed = JSON.parse(body.toString('utf8') || '{}') as { repositoryName?: unknown; repositoryNames?: unknown };
  const names = [parsed.repositoryName, ...(Array.isArray(parsed.repositoryNames) ? (parsed.repositoryNames as unknown[]) : [])];
  return names.filter((n): n is string => typeof n === 'string');
}

/** DescribeRepositories and CreateRepository over the fake's own repositories; undefined for other operations. */
function answerRepositories(response: http.ServerResponse, operation: string, body: Buffer, repositories: string[]): number | undefined {
  const repository = (name: string) => ({ repositoryName: name, repositoryArn: `arn:aws:ecr-public::123456789012:repository/${name}`, registryId: '123456789012' });
  if (operation === `${TARGET_PREFIX}DescribeRepositories`) {
    const names = repositoryNamesOf(body);
    const missing = names.find((n) => !repositories.includes(n));
    if (missing !== undefined) {
      return sendError(response, 400, 'RepositoryNotFoundException', `The repository with name '${missing}' does not exist in the registry with id '123456789012'`);
    }
    sendJson(response, 200, { repositories: (names.length > 0 ? names : repositories).map(repository) });
    return 200;
  }
  if (operation === `${TARGET_PREFIX}CreateRepository`) {
    const [name] = repositoryNamesOf(body);
    if (name === undefined) return sendError(response, 400, 'InvalidParameterException', 'repositoryName is required');
    if (repositories.includes(name)) return sendError(response, 400, 'RepositoryAlreadyExistsException', `The repository with name '${name}' already exists`);
    repositories.push(name);
    sendJson(response, 200, { repository: repository(name) });
    return 200;
  }
  return undefined;
}

/** Answers one ECR Public request; returns the HTTP status sent. */
function answerEcrPublic(
  response: http.ServerResponse,
  operation: string,
  body: Buffer,
  scope: SigV4Scope | undefined,
  options: EcrPublicFakeOptions,
  repositories: string[],
): number {
  if (scope === undefined) return sendError(response, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  if (scope.service !== ECR_PUBLIC_SIGNING_NAME) {
    return sendError(response, 403, 'InvalidSignatureException', `Credential should be scoped to correct service: '${ECR_PUBLIC_SIGNING_NAME}'.`);
  }
  if (scope.region !== ECR_PUBLIC_REGION) {
    return sendError(response, 403, 'InvalidSignatureException', `Credential should be scoped to a valid region, not '${scope.region}'.`);
  }
  const answered = answerRepositories(response, operation, body, repositories);
  if (answered !== undefined) return answered;
  if (operation !== `${TARGET_PREFIX}GetAuthorizationToken`) {
    return sendError(response, 400, 'UnknownOperationException', `the fake ECR Public API implements only GetAuthorizationToken, DescribeRepositories and CreateRepository, not ${operation}`);
  }
  const now = options.now?.() ?? Date.now();
  sendJson(response, 200, {
    authorizationData: {
      authorizationToken: Buffer.from(`AWS:${options.password}`).toString('base64'),
      expiresAt: Math.floor(now / 1000) + TOKEN_TTL_SECONDS,
    },
  });
  return 200;
}

/** Passes a request through to moto unchanged (headers, body) and streams the answer back. */
function passThrough(request: http.IncomingMessage, body: Buffer, response: http.ServerResponse, upstream: URL): Promise<number> {
  return new Promise((resolve) => {
    const forwarded = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        // The Host header stays the client's: it is part of what the client signed.
        headers: request.headers,
      },
      (answer) => {
        const status = answer.statusCode ?? 502;
        response.writeHead(status, answer.headers);
        answer.pipe(response);
        answer.on('end', () => resolve(status));
      },
    );
    forwarded.on('error', (error) => {
      if (!response.headersSent) sendError(response, 502, 'ServiceUnavailableException', `upstream: ${error.message}`);
      else response.destroy();
      resolve(502);
    });
    forwarded.end(body);
  });
}

export async function startEcrPublicFake(options: EcrPublicFakeOptions): Promise<EcrPublicFake> {
  const upstream = new URL(options.upstream);
  const requests: AwsRequestRecord[] = [];
  const repositories: string[] = [];
  const server = http.createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const operation = operationOf(request, body);
      const scope = parseSigV4(request.headers.authorization);
      const record = { operation, service: scope?.service, region: scope?.region, accessKeyId: scope?.accessKeyId };
      if (operation.startsWith(TARGET_PREFIX)) {
        requests.push({ ...record, handledBy: 'fake', status: answerEcrPublic(response, operation, body, scope, options, repositories) });
      } else {
        requests.push({ ...record, handledBy: 'upstream', status: await passThrough(request, body, response, upstream) });
      }
    })().catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 500, 'ServerException', String(error));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    requests,
    repositories,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
