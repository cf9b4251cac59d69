/** Image references as Docker reads them, and moved to a pull-through mirror in both layouts. */
import { describe, expect, it } from 'vitest';
import {
  mirroredRepository,
  mirrorProblem,
  parseImageReference,
  repositorySpellings,
  rewriteImages,
  type ImageMapping,
  type MirrorLayout,
} from '../../../scripts/catalog/fork/image-mirror.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('parseImageReference', () => {
  it.each([
    ['docker:29.5.2-cli', { domain: 'docker.io', path: 'library/docker', tag: '29.5.2-cli', digest: undefined }],
    ['docker.io/moby/buildkit:v0.23.2', { domain: 'docker.io', path: 'moby/buildkit', tag: 'v0.23.2', digest: undefined }],
    ['tonistiigi/binfmt:qemu-v9.2.2', { domain: 'docker.io', path: 'tonistiigi/binfmt', tag: 'qemu-v9.2.2', digest: undefined }],
    ['index.docker.io/library/alpine:3.20', { domain: 'docker.io', path: 'library/alpine', tag: '3.20', digest: undefined }],
    ['quay.io/podman/stable:v5.8.7', { domain: 'quay.io', path: 'podman/stable', tag: 'v5.8.7', digest: undefined }],
    ['registry:5000/team/app', { domain: 'registry:5000', path: 'team/app', tag: undefined, digest: undefined }],
    ['localhost/app:1', { domain: 'localhost', path: 'app', tag: '1', digest: undefined }],
    [`docker:29.5.2-cli@${DIGEST}`, { domain: 'docker.io', path: 'library/docker', tag: '29.5.2-cli', digest: DIGEST }],
  ])('%s', (text, expected) => {
    expect(parseImageReference(text)).toEqual(expected);
  });

  it.each(['$CI_REGISTRY_IMAGE:1', 'Docker:1', 'a b', ''])('is no reference: %j', (text) => {
    expect(parseImageReference(text)).toBeUndefined();
  });

  it("spells Docker Hub's images every way Docker accepts, longest first", () => {
    expect(repositorySpellings(parseImageReference('docker:1')!)).toEqual([
      'index.docker.io/library/docker',
      'docker.io/library/docker',
      'index.docker.io/docker',
      'docker.io/docker',
      'library/docker',
      'docker',
    ]);
    expect(repositorySpellings(parseImageReference('quay.io/podman/stable:1')!)).toEqual(['quay.io/podman/stable']);
  });
});

describe('mirroredRepository', () => {
  const mirror = (image: string, layout: MirrorLayout, to = 'mirror.example.com') => mirroredRepository(parseImageReference(image)!, to, layout);

  it('host layout: <mirror>/<upstream host>/<path>, library/ for official images', () => {
    expect(mirror('docker:29.5.2-cli', 'host')).toEqual({ repository: 'mirror.example.com/docker.io/library/docker' });
    expect(mirror('moby/buildkit:v0.23.2', 'host')).toEqual({ repository: 'mirror.example.com/docker.io/moby/buildkit' });
    expect(mirror('quay.io/podman/stable:v5.8.7', 'host')).toEqual({ repository: 'mirror.example.com/quay.io/podman/stable' });
    expect(mirror('registry.gitlab.com/gitlab-org/cli:v1', 'host', 'harbor.example.com:8443/proxy')).toEqual({ repository: 'harbor.example.com:8443/proxy/registry.gitlab.com/gitlab-org/cli' });
  });

  it("ecr layout: the ECR console's pull-through cache prefixes", () => {
    const ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
    expect(mirror('docker:29.5.2-cli', 'ecr', ecr)).toEqual({ repository: `${ecr}/docker-hub/library/docker` });
    expect(mirror('tonistiigi/binfmt:qemu-v9.2.2', 'ecr', ecr)).toEqual({ repository: `${ecr}/docker-hub/tonistiigi/binfmt` });
    expect(mirror('quay.io/podman/stable:v5.8.7', 'ecr', ecr)).toEqual({ repository: `${ecr}/quay/podman/stable` });
    expect(mirror('ghcr.io/org/tool:1.0', 'ecr', ecr)).toEqual({ repository: `${ecr}/github/org/tool` });
    expect(mirror('registry.example.org/tool:1.0', 'ecr', ecr)).toEqual({
      problem: 'the ecr layout knows no pull-through cache prefix for registry.example.org (it maps docker.io, quay.io, public.ecr.aws, registry.k8s.io, ghcr.io, registry.gitlab.com); use --image-registry-layout host',
    });
  });

  it('takes a registry host with an optional port and path as the mirror', () => {
    expect(mirrorProblem('mirror.example.com')).toBeUndefined();
    expect(mirrorProblem('localhost:5000/cache')).toBeUndefined();
    expect(mirrorProblem('mirror')).toBe('"mirror" would be read as a Docker Hub namespace: a registry host has a "." or a port, or is localhost');
    expect(mirrorProblem('https://mirror.example.com')).toBe('name the registry as host[:port][/path] in lower case, without a scheme (mirror.example.com)');
    expect(mirrorProblem('mirror.example.com/Proxy')).toBe('name the registry as host[:port][/path] in lower case, without a scheme (mirror.example.com)');
  });
});

describe('rewriteImages', () => {
  const mapping = (image: string): ImageMapping => {
    const reference = parseImageReference(image)!;
    const mirrored = mirroredRepository(reference, 'mirror.example.com', 'host');
    if (!('repository' in mirrored)) throw new Error(mirrored.problem);
    return { image, reference, repository: mirrored.repository };
  };
  const MAPPINGS = ['docker:29.5.2-cli', 'docker:29.5.2-dind', 'docker.io/moby/buildkit:v0.23.2', 'quay.io/podman/stable:v5.8.7'].map(mapping);

  it('moves every spelling of a default image, tags and digest pins kept', () => {
    const text = [
      '      default: docker:29.5.2-cli',
      '        - name: docker:29.5.2-dind',
      '      description: Pin by digest with `docker:29.5.2-cli@sha256:<digest>` or `moby/buildkit:v0.23.2@sha256:<digest>`.',
      `  image: docker.io/library/docker:29.5.2-cli@${DIGEST}`,
      '      --driver-opt "image=${BUILDX_ECR_BUILDKIT_IMAGE:-docker.io/moby/buildkit:v0.23.2}"',
      'The job runs in quay.io/podman/stable:v5.8.7.',
    ].join('\n');
    expect(rewriteImages(text, MAPPINGS)).toEqual({
      text: [
        '      default: mirror.example.com/docker.io/library/docker:29.5.2-cli',
        '        - name: mirror.example.com/docker.io/library/docker:29.5.2-dind',
        '      description: Pin by digest with `mirror.example.com/docker.io/library/docker:29.5.2-cli@sha256:<digest>` or `mirror.example.com/docker.io/moby/buildkit:v0.23.2@sha256:<digest>`.',
        `  image: mirror.example.com/docker.io/library/docker:29.5.2-cli@${DIGEST}`,
        '      --driver-opt "image=${BUILDX_ECR_BUILDKIT_IMAGE:-mirror.example.com/docker.io/moby/buildkit:v0.23.2}"',
        'The job runs in mirror.example.com/quay.io/podman/stable:v5.8.7.',
      ].join('\n'),
      count: 7,
    });
  });

  it('leaves images already on the mirror, other tags, other images and plain words alone', () => {
    const text = [
      'image: mirror.example.com/docker.io/library/docker:29.5.2-cli',
      'image: docker:29.5.2-cli-extra',
      'image: docker:29.5.2',
      'image: mydocker:29.5.2-cli',
      'image: registry.example.com/docker:29.5.2-cli',
      'docker is the CLI; tcp://docker:2375',
      'image: quay.io/podman/stable:v5.8.70',
    ].join('\n');
    expect(rewriteImages(text, MAPPINGS)).toEqual({ text, count: 0 });
  });

  it('is idempotent: a second run finds nothing to move', () => {
    const once = rewriteImages('image: docker:29.5.2-cli\n', MAPPINGS);
    expect(rewriteImages(once.text, MAPPINGS)).toEqual({ text: once.text, count: 0 });
  });
});
