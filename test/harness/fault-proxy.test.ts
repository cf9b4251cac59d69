/**
 * The fault proxy (harness/integration/fault-proxy.ts) on loopback, between a real HTTPS client
 * and a real HTTPS upstream (Node's https, a throw-away CA from openssl): what it forwards, how it
 * faults, that a seed repeats the faults, and that down means refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS, mulberry32, rewriteLocation, startFaultProxy, type FaultProxy } from '../../harness/integration/fault-proxy.js';
import { freePort } from '../../harness/integration/ports.js';
import { generateTls, type TlsFiles } from '../../harness/integration/tls.js';

const HOST = 'registry.example.test';
const ADDRESS = '127.0.0.1';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

describe('fault proxy', () => {
  let dir = '';
  let tls: TlsFiles;
  let upstream: https.Server;
  let upstreamPort = 0;
  /** What the upstream received last: method, url, headers and the sha256 of the body. */
  let received: { method: string; url: string; headers: IncomingHttpHeaders; sha256: string; bytes: number } | undefined;
  const download = randomBytes(3 * 1024 * 1024);
  const proxies: FaultProxy[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'catalog-fault-proxy-'));
    tls = await generateTls({ dir, dnsNames: [HOST], ips: [ADDRESS] });
    upstreamPort = await freePort(ADDRESS);
    upstream = https.createServer({ cert: readFileSync(tls.serverCert), key: readFileSync(tls.serverKey) }, (request, response) => {
      const hash = createHash('sha256');
      let bytes = 0;
      request.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      request.on('end', () => {
        received = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, sha256: hash.digest('hex'), bytes };
        if (request.url === '/blob') {
          response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': download.length });
          response.end(download);
          return;
        }
        response.writeHead(202, {
          Location: `https://${HOST}:${upstreamPort}/v2/repo/blobs/uploads/uuid-1?_state=x`,
          Range: `0-${Math.max(bytes - 1, 0)}`,
          'Docker-Upload-UUID': 'uuid-1',
          'Keep-Alive': 'timeout=5',
          'Content-Length': 0,
        });
        response.end();
      });
    });
    await new Promise<void>((resolve) => upstream.listen(upstreamPort, ADDRESS, resolve));
  });

  afterAll(async () => {
    for (const proxy of proxies) await proxy.stop();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (faultRate: number, seed = 7): Promise<{ proxy: FaultProxy; port: number }> => {
    const port = await freePort(ADDRESS);
    const proxy = await startFaultProxy({
      listen: { address: ADDRESS, port, publicOrigin: `https://${HOST}:${port}` },
      upstream: { address: ADDRESS, port: upstreamPort, servername: HOST, caFile: tls.caCert },
      tls: { certFile: tls.serverCert, keyFile: tls.serverKey },
      faultRate,
      seed,
    });
    proxies.push(proxy);
    return { proxy, port };
  };

  /** One request through the proxy on a fresh connection; a reset rejects with its error code. */
  const request = (port: number, method: string, urlPath: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const outgoing = https.request(
        { host: ADDRESS, port, servername: HOST, ca: readFileSync(tls.caCert), method, path: urlPath, headers: { Host: `${HOST}:${port}`, ...headers }, agent: false },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  it('forwards a streamed upload and download intact, with the registry headers, the Location rewritten to the proxy', async () => {
    const { proxy, port } = await start(0);
    const upload = randomBytes(2 * 1024 * 1024 + 17);
    const patched = await request(port, 'PATCH', '/v2/repo/blobs/uploads/uuid-1?_state=a', upload, { 'Content-Range': `0-${upload.length - 1}`, 'Content-Type': 'application/octet-stream' });
    expect(patched.status).toBe(202);
    expect(received).toMatchObject({ method: 'PATCH', url: '/v2/repo/blobs/uploads/uuid-1?_state=a', bytes: upload.length, sha256: createHash('sha256').update(upload).digest('hex') });
    expect(received?.headers['content-range']).toBe(`0-${upload.length - 1}`);
    expect(received?.headers['host']).toBe(`${HOST}:${port}`);
    expect(patched.headers['location']).toBe(`https://${HOST}:${port}/v2/repo/blobs/uploads/uuid-1?_state=x`);
    expect(patched.headers['range']).toBe(`0-${upload.length - 1}`);
    expect(patched.headers['docker-upload-uuid']).toBe('uuid-1');
    // Hop-by-hop: the upstream's Keep-Alive is its connection's, not the client's.
    expect(patched.headers['keep-alive']).toBeUndefined();

    const blob = await request(port, 'GET', '/blob');
    expect(blob.status).toBe(200);
    expect(blob.body.equals(download)).toBe(true);
    expect(proxy.counts()).toEqual({ requests: 2, forwarded: 2, faults: { '500': 0, '503': 0, '429': 0, reset: 0 }, refusedWhileDown: 0, dropped: 0 });
  });

  it('at rate 1 answers every request with a fault: 500, 503, 429 with Retry-After, or a reset; the upstream sees none', async () => {
    const { proxy, port } = await start(1, 12345);
    received = undefined;
    const seen: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      const outcome = await request(port, 'GET', '/v2/').then(
        (answer) => {
          if (answer.status === 429) expect(answer.headers['retry-after']).toBe('1');
          expect(JSON.parse(answer.body.toString()) as unknown).toMatchObject({ errors: [{ code: expect.any(String) as unknown }] });
          return String(answer.status);
        },
        (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? 'reset' : `error ${String(error.code)}`),
      );
      seen[outcome] = (seen[outcome] ?? 0) + 1;
    }
    expect(received).toBeUndefined();
    const counts = proxy.counts();
    expect(counts.requests).toBe(40);
    expect(counts.forwarded).toBe(0);
    expect(counts.faults).toEqual(Object.fromEntries(FAULT_KINDS.map((kind) => [kind, seen[kind] ?? 0])));
    for (const kind of FAULT_KINDS) expect(counts.faults[kind], kind).toBeGreaterThan(0);
    const logged = proxy.requestsSince(0);
    expect(logged).toHaveLength(40);
    for (const kind of FAULT_KINDS) expect(logged.filter((r) => r.outcome === kind), kind).toHaveLength(seen[kind] ?? 0);
  });

  it('repeats the same faults for the same seed and request order', async () => {
    const outcomes = async (seed: number): Promise<string[]> => {
      const { port } = await start(0.5, seed);
      const list: string[] = [];
      for (let i = 0; i < 30; i++) list.push(await request(port, 'GET', '/v2/').then((a) => String(a.status), () => 'reset'));
      return list;
    };
    const first = await outcomes(99);
    expect(await outcomes(99)).toEqual(first);
    expect(first).toContain('202');
    expect(first.some((o) => o !== '202')).toBe(true);
  });

  it('dropNext closes the matching requests\' connections without an answer, then forwards again', async () => {
    const { proxy, port } = await start(0);
    proxy.dropNext(1, (method, url) => method === 'GET' && url === '/v2/');
    expect((await request(port, 'HEAD', '/v2/')).status).toBe(202);
    await expect(request(port, 'GET', '/v2/')).rejects.toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' });
    expect((await request(port, 'GET', '/v2/')).status).toBe(202);
    expect(proxy.counts()).toMatchObject({ requests: 3, forwarded: 2, dropped: 1 });
    expect(proxy.requestsSince(0)).toEqual([
      { method: 'HEAD', url: '/v2/', outcome: 'forwarded' },
      { method: 'GET', url: '/v2/', outcome: 'dropped' },
      { method: 'GET', url: '/v2/', outcome: 'forwarded' },
    ]);
    expect(proxy.requestsSince(2)).toEqual([{ method: 'GET', url: '/v2/', outcome: 'forwarded' }]);
  });

  it('down refuses connections; up serves again', async () => {
    const { proxy, port } = await start(0);
    await proxy.setDown(true);
    await expect(request(port, 'GET', '/v2/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await proxy.setDown(false);
    expect((await request(port, 'GET', '/v2/')).status).toBe(202);
  });

  it('serves loopback only', async () => {
    await expect(
      startFaultProxy({
        listen: { address: '0.0.0.0', port: 0, publicOrigin: 'https://x' },
        upstream: { address: ADDRESS, port: upstreamPort, servername: HOST, caFile: tls.caCert },
        tls: { certFile: tls.serverCert, keyFile: tls.serverKey },
        faultRate: 0,
        seed: 1,
      }),
    ).rejects.toThrow(/loopback only, not 0\.0\.0\.0/);
  });

  it('rewrites only a Location on an upstream origin; mulberry32 is in [0, 1) and seeded', () => {
    const up = ['https://127.0.0.1:5000', `https://${HOST}:5000`];
    expect(rewriteLocation(`https://${HOST}:5000/v2/x?y`, up, 'https://public')).toBe('https://public/v2/x?y');
    expect(rewriteLocation('https://127.0.0.1:50001/v2/x', up, 'https://public')).toBe('https://127.0.0.1:50001/v2/x');
    expect(rewriteLocation('/v2/x', up, 'https://public')).toBe('/v2/x');
    const a = mulberry32(5);
    const b = mulberry32(5);
    const draws = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(draws);
    for (const d of draws) expect(d >= 0 && d < 1).toBe(true);
  });
});
