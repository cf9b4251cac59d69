/**
 * A fault-injecting HTTPS reverse proxy in front of the harness's Distribution registry: the jobs
 * reach the registry only through it, and a fixed share of their requests is answered with a
 * registry's transient failures instead of being forwarded: HTTP 500, 503, 429 (with Retry-After)
 * or a TCP reset. `setDown(true)` stops listening (connections are refused, open ones reset): the
 * registry is down.
 *
 * Why a home-made one: toxiproxy (not packaged in Debian) injects faults at the TCP level only
 * (latency, bandwidth, resets, timeouts), never an HTTP status, so it cannot answer 429 with
 * Retry-After or 503 the way a registry does; mitmproxy (Debian) can, through a Python addon, but
 * it buffers bodies unless told otherwise, brings its own TLS interception and a second language
 * to the harness. What is needed here is small: Node's http and https modules forward a request
 * and its response as streams (blob uploads and downloads are never held in memory) and the fault
 * decision is one line per request.
 *
 * Honest HTTP: method, path, query and every end-to-end header are forwarded unchanged (Host too,
 * so the registry builds its URLs for the name the client used; Range, Content-Range, Location,
 * Docker-Upload-UUID, Docker-Content-Digest pass through); hop-by-hop headers are dropped as RFC
 * 9110 §7.6.1 requires; a Location that names the upstream's own address is rewritten to the
 * proxy's public origin. A fault answer carries a Distribution error body and `Connection: close`
 * (the request body it did not read must not be taken for the next request).
 *
 * Reproducible: the faults come from a seeded PRNG (mulberry32), one draw per request in arrival
 * order; the seed is reported, and the same seed with the same request order gives the same
 * faults (concurrent clients can change the order, hence the counts are printed per run).
 *
 * Bounded: loopback addresses only (refused otherwise), a cap on concurrent connections, an idle
 * timeout on both sides, and a whole-request time limit; memory holds only the streams in flight.
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { HarnessError } from '../errors.js';

export const FAULT_KINDS = ['500', '503', '429', 'reset'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultProxyOptions {
  /** Where the proxy listens (a loopback address) and the origin clients use for it (`https://<name>`). */
  readonly listen: { readonly address: string; readonly port: number; readonly publicOrigin: string };
  /** The registry: its loopback address and port, and the TLS name and CA to verify it by. */
  readonly upstream: { readonly address: string; readonly port: number; readonly servername: string; readonly caFile: string };
  /** The proxy's own certificate and key (the registry's serve: clients trust the same CA). */
  readonly tls: { readonly certFile: string; readonly keyFile: string };
  /** Share of requests answered with a fault, 0..1. */
  readonly faultRate: number;
  /** PRNG seed (a 32-bit unsigned integer). */
  readonly seed: number;
  /** Seconds in the Retry-After of a 429 (default 1). */
  readonly retryAfterSeconds?: number;
  readonly maxConnections?: number;
  /** Idle time on either side of a forwarded request before it is cut (default 60 s). */
  readonly idleTimeoutMs?: number;
  /** Whole-request limit (default 10 min: a large blob upload fits). */
  readonly requestTimeoutMs?: number;
}

export interface FaultCounts {
  /** Every request the proxy received. */
  readonly requests: number;
  /** Requests forwarded to the registry. */
  readonly forwarded: number;
  /** Requests answered with a fault, by kind. */
  readonly faults: Readonly<Record<FaultKind, number>>;
  /** Connections refused or reset while the registry was down. */
  readonly refusedWhileDown: number;
  /** Requests whose connection was closed without an answer (`dropNext`). */
  readonly dropped: number;
}

/** One request the proxy received, and what it did with it. */
export interface ProxiedRequest {
  readonly method: string;
  /** Path and query, as the client sent them. */
  readonly url: string;
  readonly outcome: 'forwarded' | FaultKind | 'dropped' | 'down';
}

/** How many requests the proxy remembers (the oldest are forgotten first): memory stays bounded. */
const REQUEST_LOG_LIMIT = 20_000;

export interface FaultProxy {
  readonly seed: number;
  counts(): FaultCounts;
  /**
   * The requests received since `counts().requests` was `mark`, in arrival order (those still
   * remembered: the last REQUEST_LOG_LIMIT), so that a test can say what a job asked the registry.
   */
  requestsSince(mark: number): readonly ProxiedRequest[];
  /**
   * The next `count` requests that `match` (method and path) have their connection closed without
   * an answer, as a registry or load balancer that drops a connection does (Go clients report
   * `EOF`); deterministic, and before any PRNG draw.
   */
  dropNext(count: number, match: (method: string, url: string) => boolean): void;
  /** Changes the share of faulted requests from now on (0: a plain proxy). */
  setFaultRate(rate: number): void;
  /** Down: the listening socket is closed (connections refused) and open connections are reset. */
  setDown(down: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** mulberry32: a small, well-distributed 32-bit PRNG; returns draws in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RFC 9110 §7.6.1 connection-specific header fields: never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** The end-to-end headers of a raw header list (names as sent, repeated headers kept). */
function endToEnd(raw: readonly string[]): [string, string][] {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] ?? '').toLowerCase() === 'connection') for (const token of (raw[i + 1] ?? '').split(',')) named.add(token.trim().toLowerCase());
  }
  const headers: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (!HOP_BY_HOP.has(name.toLowerCase()) && !named.has(name.toLowerCase())) headers.push([name, raw[i + 1] ?? '']);
  }
  return headers;
}

/** A Location that names the upstream's own origin, pointed at the proxy's public origin instead. */
export function rewriteLocation(location: string, upstreamOrigins: readonly string[], publicOrigin: string): string {
  for (const origin of upstreamOrigins) {
    if (location === origin || location.startsWith(`${origin}/`) || location.startsWith(`${origin}?`)) return publicOrigin + location.slice(origin.length);
  }
  return location;
}

const isLoopback = (address: string): boolean => /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || address === '::1';

const FAULT_STATUS: Readonly<Record<Exclude<FaultKind, 'reset'>, { status: number; code: string; message: string }>> = {
  '500': { status: 500, code: 'UNKNOWN', message: 'unknown error (injected by the fault proxy)' },
  '503': { status: 503, code: 'UNAVAILABLE', message: 'service unavailable (injected by the fault proxy)' },
  '429': { status: 429, code: 'TOOMANYREQUESTS', message: 'too many requests (injected by the fault proxy)' },
};

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { listen, upstream } = options;
  for (const address of [listen.address, upstream.address]) {
    if (!isLoopback(address)) throw new HarnessError(`the fault proxy serves loopback only, not ${address}`);
  }
  const random = mulberry32(options.seed);
  let faultRate = options.faultRate;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const faults: Record<FaultKind, number> = { '500': 0, '503': 0, '429': 0, reset: 0 };
  let requests = 0;
  let forwarded = 0;
  let refusedWhileDown = 0;
  let dropped = 0;
  const requestLog: ProxiedRequest[] = [];
  const remember = (request: http.IncomingMessage, outcome: ProxiedRequest['outcome']): void => {
    requestLog.push({ method: request.method ?? '', url: request.url ?? '', outcome });
    if (requestLog.length > REQUEST_LOG_LIMIT) requestLog.shift();
  };
  const drops: { remaining: number; match: (method: string, url: string) => boolean }[] = [];
  let down = false;
  const ca = readFileSync(upstream.caFile);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 32, ca, servername: upstream.servername });
  const upstreamOrigins = [
    `https://${upstream.address}:${upstream.port}`,
    `https://${upstream.servername}:${upstream.port}`,
    ...(upstream.port === 443 ? [`https://${upstream.address}`, `https://${upstream.servername}`] : []),
  ];

  const forward = (request: http.IncomingMessage, response: http.ServerResponse): void => {
    forwarded++;
    const outgoing = https.request({
      agent,
      host: upstream.address,
      port: upstream.port,
      servername: upstream.servername,
      method: request.method,
      path: request.url,
      headers: endToEnd(request.rawHeaders).flat(),
      timeout: idleTimeoutMs,
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer from the registry in ${idleTimeoutMs} ms`)));
    outgoing.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'Content-Type': 'text/plain', Connection: 'close' }).end(`fault proxy: ${error.message}\n`);
      else response.destroy(error);
    });
    outgoing.on('response', (answer) => {
      const headers = endToEnd(answer.rawHeaders).map(([name, value]): [string, string] =>
        name.toLowerCase() === 'location' ? [name, rewriteLocation(value, upstreamOrigins, listen.publicOrigin)] : [name, value],
      );
      response.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers.flat());
      answer.pipe(response);
      answer.on('error', (error) => response.destroy(error));
    });
    request.pipe(outgoing);
    request.on('error', (error) => outgoing.destroy(error));
    response.on('close', () => {
      if (!response.writableFinished) outgoing.destroy();
    });
  };

  // TLS is the https server's, but the TCP connections are accepted by a plain net server and handed
  // to it: only the raw TCP socket can be reset (a TLS socket's handle cannot), so each request
  // finds its connection's raw socket by the client's port (unique per live loopback connection).
  const rawSockets = new Map<number, net.Socket>();
  const reset = (request: http.IncomingMessage): void => {
    const raw = request.socket.remotePort === undefined ? undefined : rawSockets.get(request.socket.remotePort);
    if (raw === undefined) request.socket.destroy();
    else raw.resetAndDestroy();
  };
  const tlsServer = https.createServer(
    {
      cert: readFileSync(options.tls.certFile),
      key: readFileSync(options.tls.keyFile),
      requestTimeout: options.requestTimeoutMs ?? 600_000,
      headersTimeout: 30_000,
      keepAliveTimeout: 5_000,
    },
    (request, response) => {
      requests++;
      if (down) {
        refusedWhileDown++;
        remember(request, 'down');
        reset(request);
        return;
      }
      const drop = drops.find((d) => d.remaining > 0 && d.match(request.method ?? '', request.url ?? ''));
      if (drop !== undefined) {
        drop.remaining--;
        dropped++;
        remember(request, 'dropped');
        request.socket.destroy();
        return;
      }
      if (random() >= faultRate) {
        remember(request, 'forwarded');
        forward(request, response);
        return;
      }
      const kind = FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)] ?? 'reset';
      faults[kind]++;
      remember(request, kind);
      if (kind === 'reset') {
        reset(request);
        return;
      }
      const { status, code, message } = FAULT_STATUS[kind];
      const body = `${JSON.stringify({ errors: [{ code, message, detail: null }] })}\n`;
      response.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'Docker-Distribution-Api-Version': 'registry/2.0',
        Connection: 'close',
        ...(kind === '429' ? { 'Retry-After': retryAfter } : {}),
      });
      response.end(body);
    },
  );
  // A client that resets mid-handshake is a client's business, not the harness's.
  tlsServer.on('tlsClientError', (_error, socket) => socket.destroy());
  const server = net.createServer((socket) => {
    const port = socket.remotePort;
    if (port === undefined) {
      socket.destroy();
      return;
    }
    rawSockets.set(port, socket);
    socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (rawSockets.get(port) === socket) rawSockets.delete(port);
    });
    tlsServer.emit('connection', socket);
  });
  server.maxConnections = options.maxConnections ?? 128;

  const listenNow = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: listen.address, port: listen.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  const closeNow = (): Promise<void> =>
    new Promise((resolve) => {
      for (const socket of rawSockets.values()) socket.resetAndDestroy();
      if (!server.listening) resolve();
      else server.close(() => resolve());
    });
  await listenNow();

  return {
    seed: options.seed,
    counts: () => ({ requests, forwarded, faults: { ...faults }, refusedWhileDown, dropped }),
    requestsSince: (mark) => requestLog.slice(Math.max(0, requestLog.length - (requests - mark))),
    dropNext(count, match) {
      drops.push({ remaining: count, match });
    },
    setFaultRate(rate) {
      faultRate = rate;
    },
    async setDown(value) {
      if (value === down) return;
      down = value;
      if (value) await closeNow();
      else await listenNow();
    },
    async stop() {
      down = true;
      await closeNow();
      agent.destroy();
    },
  };
}
