/**
 * dind-tls-mismatch: a job with a `docker:*dind*` service whose client variables do not match what
 * the service's entrypoint does. `dockerd-entrypoint.sh` (docker-library/docker) generates
 * certificates and listens on 2376 with `--tlsverify` when `DOCKER_TLS_CERTDIR` is non-empty (the
 * image sets `/certs`), and listens on 2375 without TLS only when it is empty. So:
 * - `tcp://docker:2376` with an empty `DOCKER_TLS_CERTDIR`: nothing listens there;
 * - `tcp://docker:2375` with TLS on (set, or left at the image default): nothing listens there;
 * - `DOCKER_TLS_VERIFY` set (any non-empty value, even "0") with TLS off: the client insists on TLS;
 * - `DOCKER_CERT_PATH` elsewhere than `$DOCKER_TLS_CERTDIR/client`: the client finds no certificates.
 */
import { JobResolver } from '../../gitlab/jobs/located.js';
import { jobsOf } from '../../gitlab/jobs/model.js';
import { daemonTls, DIND_DEFAULT_CERTDIR, dindPort, dindSetup, type DindSetup } from '../job-facts.js';
import { q, reportOncePerPosition } from '../report.js';
import { defineRule } from '../rule.js';

/** What turns TLS on, for messages. */
const tlsSource = (setup: DindSetup): string =>
  setup.certdir
    ? `DOCKER_TLS_CERTDIR ${q(setup.certdir.value)}`
    : `the image default DOCKER_TLS_CERTDIR ${q(DIND_DEFAULT_CERTDIR)} (it is not set)`;

const normalize = (dir: string): string => dir.trim().replace(/\/+$/, '');

export const dindTlsMismatch = defineRule({
  id: 'dind-tls-mismatch',
  description: 'DOCKER_HOST, DOCKER_TLS_CERTDIR, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH must agree with the dind service',
  severity: 'error',
  messages: {
    tlsPortWithoutTls:
      'the TLS port 2376 in DOCKER_HOST {{host}} gets no answer: DOCKER_TLS_CERTDIR is empty, so the dind service {{service}} listens without TLS on port 2375 only; use "tcp://docker:2375" or set DOCKER_TLS_CERTDIR to "/certs"',
    plainPortWithTls:
      'the plain-text port 2375 in DOCKER_HOST {{host}} gets no answer: {{certdir}} turns TLS on, so the dind service {{service}} listens on port 2376 only; use "tcp://docker:2376" or set DOCKER_TLS_CERTDIR to ""',
    verifyWithoutTls:
      'the client requires TLS because DOCKER_TLS_VERIFY is {{value}} (any non-empty value turns it on), but DOCKER_TLS_CERTDIR is empty, so the dind service {{service}} serves no TLS and writes no client certificates',
    certPathMismatch: 'the client looks for certificates in DOCKER_CERT_PATH {{path}}, but the dind service {{service}} writes them to {{expected}} (DOCKER_TLS_CERTDIR {{certdir}})',
  },
  check(ctx) {
    const report = reportOncePerPosition(ctx);
    for (const variant of ctx.target.variants) {
      const resolver = new JobResolver(variant.content);
      for (const { name } of jobsOf(variant.content)) {
        const setup = dindSetup(resolver, name);
        if (!setup) continue;
        const tls = daemonTls(setup);
        if (tls === undefined) continue;
        const service = q(setup.service.image.split('@')[0] as string);
        const port = dindPort(setup);
        if (setup.host && port === 2376 && !tls) {
          report({ messageId: 'tlsPortWithoutTls', data: { host: q(setup.host.value), service }, at: variant.locate(setup.host.path) });
        }
        if (setup.host && port === 2375 && tls) {
          report({ messageId: 'plainPortWithTls', data: { host: q(setup.host.value), certdir: tlsSource(setup), service }, at: variant.locate(setup.host.path) });
        }
        if (setup.verify && setup.verify.value !== '' && !tls) {
          report({ messageId: 'verifyWithoutTls', data: { value: q(setup.verify.value), service }, at: variant.locate(setup.verify.path) });
        }
        if (setup.certPath && tls && setup.certPath.value.trim() !== '') {
          const certdir = normalize(setup.certdir?.value ?? DIND_DEFAULT_CERTDIR);
          const path = normalize(setup.certPath.value.replace(/\$\{DOCKER_TLS_CERTDIR\}|\$DOCKER_TLS_CERTDIR\b/g, certdir));
          const expected = `${certdir}/client`;
          if (!path.includes('$') && path !== expected) {
            report({
              messageId: 'certPathMismatch',
              data: { path: q(setup.certPath.value), service, expected: q(expected), certdir: q(setup.certdir?.value ?? DIND_DEFAULT_CERTDIR) },
              at: variant.locate(setup.certPath.path),
            });
          }
        }
      }
    }
  },
});
