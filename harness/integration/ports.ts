import net from 'node:net';
import { HarnessError } from '../errors.js';

/**
 * A TCP port that is free on `host` right now: the kernel picks it (`listen(0)`), we close the
 * socket and hand the number out. There is a short window in which another process could take it;
 * callers start their server right away and treat "address in use" as a reason to retry.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new HarnessError(`could not get a free port on ${host}: is the loopback interface up?`));
        return;
      }
      const { port } = address;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}

/** Resolves once something accepts TCP connections on host:port, or rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new HarnessError(`nothing listens on ${host}:${port} after ${timeoutMs} ms: the service did not start (see its log)`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether `host:port` can be bound right now (closed again at once). */
export async function canListen(host: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A random loopback address in 127.0.0.0/8 (never 127.0.0.1, which other software uses) on which
 * `port` is free right now: a fixed port (443 for a registry named without a port) cannot be
 * chosen by the kernel, so the address varies instead, and concurrent harness runs never collide.
 */
export async function freeLoopbackAddress(port: number, attempts = 20): Promise<string> {
  for (let i = 0; i < attempts; i++) {
    const octet = () => 1 + Math.floor(Math.random() * 254);
    const address = `127.${octet()}.${octet()}.${octet()}`;
    if (address !== '127.0.0.1' && (await canListen(address, port))) return address;
  }
  throw new HarnessError(`no loopback address with port ${port} free after ${attempts} attempts: stop what listens on port ${port} of 127.0.0.0/8`);
}
