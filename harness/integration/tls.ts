import { chmod, mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';

export interface TlsOptions {
  /** Directory the files are written to (created, 0700). */
  readonly dir: string;
  /** DNS names of the server certificate (subjectAltName DNS entries); the first is its CN. */
  readonly dnsNames: readonly string[];
  /** IP addresses of the server certificate (subjectAltName IP entries). */
  readonly ips?: readonly string[];
  /** Validity in days (default 7: these certificates live for one harness run). */
  readonly days?: number;
}

export interface TlsFiles {
  readonly caKey: string;
  readonly caCert: string;
  readonly serverKey: string;
  readonly serverCert: string;
}

async function openssl(args: readonly string[]): Promise<void> {
  await execa('openssl', args, { stdin: 'ignore' });
}

/**
 * A throw-away CA and a server certificate signed by it, made with openssl. Only file paths go
 * on the command line; private keys are written by openssl into files created 0600.
 */
export async function generateTls(options: TlsOptions): Promise<TlsFiles> {
  const { dir, dnsNames, ips = [], days = 7 } = options;
  const first = dnsNames[0] ?? ips[0];
  if (first === undefined) throw new Error('generateTls needs at least one DNS name or IP');
  for (const ip of ips) if (net.isIP(ip) === 0) throw new Error(`not an IP address: ${ip}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files: TlsFiles = {
    caKey: path.join(dir, 'ca.key'),
    caCert: path.join(dir, 'ca.crt'),
    serverKey: path.join(dir, 'server.key'),
    serverCert: path.join(dir, 'server.crt'),
  };
  const csr = path.join(dir, 'server.csr');
  const ext = path.join(dir, 'server.ext');
  // Key files exist as empty 0600 files before openssl writes into them (it keeps the mode), so a
  // key is never readable by others, not even for a moment; the directory is 0700 too.
  for (const key of [files.caKey, files.serverKey]) await writeFile(key, '', { mode: 0o600 });
  await chmod(dir, 0o700);
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', files.caKey]);
  await openssl([
    'req', '-x509', '-new', '-key', files.caKey, '-sha256', '-days', String(days),
    '-subj', '/CN=catalog integration CA', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', files.caCert,
  ]);
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', files.serverKey]);
  await openssl(['req', '-new', '-key', files.serverKey, '-subj', `/CN=${first}`, '-out', csr]);
  const san = [...dnsNames.map((name) => `DNS:${name}`), ...ips.map((ip) => `IP:${ip}`)].join(',');
  await writeFile(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${san}`,
      '',
    ].join('\n'),
  );
  await openssl([
    'x509', '-req', '-in', csr, '-CA', files.caCert, '-CAkey', files.caKey, '-CAcreateserial',
    '-days', String(days), '-sha256', '-extfile', ext, '-out', files.serverCert,
  ]);
  await chmod(files.caKey, 0o600);
  await chmod(files.serverKey, 0o600);
  // Certificates are public: readable by the engine, podman and curl whoever runs them.
  await chmod(files.caCert, 0o644);
  await chmod(files.serverCert, 0o644);
  return files;
}
