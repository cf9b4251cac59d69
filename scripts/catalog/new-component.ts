/**
 * The files of a new component (`catalog new <name>`), made to pass `catalog validate`, `lint`,
 * `docs --check` and `build --check` as they are, and the component contract the catalog's tests
 * hold every component to (test/components/scripts.test.ts): a `spec:inputs` header in the
 * catalog's input vocabulary (docs/inputs.md: `as`, `stage`, `rules`, `image`, `dotenv-prefix`,
 * `artifacts-expire-in`, each with its shared first sentence), one job whose shell starts with
 * `set -eu` and publishes its outputs as a dotenv report, and an example pipeline that includes it
 * at the commit under test. With `components/` the shell is a file of its own, included into the template where the
 * `# catalog:include` marker stands; without it (a catalog that has no build) it is written into
 * the template. What the component does is the author's to write: the job only says so.
 *
 * The shell is POSIX `sh` with `set -eu`, and uses the catalog's shared helpers
 * (`components/lib/log.sh`: `catalog_init`, `catalog_section`, `catalog_say`, …) where the catalog
 * has them; a catalog without them (or without components/) gets the same job in plain `sh`.
 */
import { SOURCES_DIR } from './build/build.js';

/**
 * GitLab releases only `templates/<name>.yml` and `templates/<name>/template.yml` with `<name>`
 * matching `[\w-]+` (`Ci::Catalog::ComponentsProject::TEMPLATE_PATH_REGEX`; Ruby's `\w` is ASCII).
 */
export const COMPONENT_NAME = /^[A-Za-z0-9_-]+$/;

export const invalidNameMessage = (name: string): string =>
  `"${name}" is not a component name GitLab releases: a name is letters, digits, "_" and "-" ([\\w-]+), as in templates/<name>.yml`;

/** The image of the new job: the catalog's own pinned job image, so a fork's mirror already has it. */
export const NEW_COMPONENT_IMAGE = 'docker:29.5.2-cli';

export interface NewComponent {
  readonly name: string;
  /** One sentence: what the component does (README and the files' header comments). */
  readonly description: string;
  /** Whether the catalog builds templates/ from components/. */
  readonly built: boolean;
  /** Whether the shell can include the shared helpers (`components/lib/log.sh`). */
  readonly helpers: boolean;
  /** `$CI_SERVER_FQDN/<project path>` consumers include from; `<project path>` when not configured. */
  readonly includePrefix: string;
}

/**
 * `hello-world` → `HELLO_WORLD`: the default prefix of the dotenv keys and of the job's variables
 * (a name that starts with no letter gets `C_`: keys and variables start with one).
 */
export function shellIdentifier(name: string): string {
  const upper = name.toUpperCase().replace(/-/g, '_');
  return /^[A-Z]/.test(upper) ? upper : `C_${upper}`;
}

/** Relative path → text of every file the component starts with (templates/ excepted when built). */
export function newComponentFiles(component: NewComponent): Map<string, string> {
  const { name } = component;
  const files = new Map<string, string>();
  const shell = shellSource(component);
  if (component.built) {
    files.set(`${SOURCES_DIR}/${name}/template.yml`, template(component, [`      # catalog:include ${name}.sh`]));
    files.set(`${SOURCES_DIR}/${name}/${name}.sh`, shell);
  } else {
    files.set(`templates/${name}.yml`, template(component, shell.replace(/\n$/, '').split('\n').map((line) => (line === '' ? '' : `      ${line}`))));
  }
  files.set(`examples/${name}/.gitlab-ci.yml`, example(component));
  return files;
}

/** The paragraph after the component's README section: what it does and how to include it. */
export function usageParagraph(component: NewComponent): string[] {
  return [
    '',
    `Usage: ${component.description} Include \`${component.includePrefix}/${component.name}@<version>\`; see`,
    `\`examples/${component.name}/.gitlab-ci.yml\`.`,
  ];
}

function template(component: NewComponent, script: readonly string[]): string {
  const { name } = component;
  const ident = shellIdentifier(name);
  return [
    'spec:',
    '  inputs:',
    '    # --- Job names and placement ---------------------------------------------------------------',
    '    as:',
    '      description: Name of the job.',
    // Quoted: a name such as `123` or `yes` would otherwise be read as a number or a boolean.
    `      default: '${name}'`,
    '    stage:',
    '      description: Stage of the job.',
    '      default: test',
    '    rules:',
    '      description: >-',
    '        `rules:` of the job, passed through unchanged.',
    '      type: array',
    '      default:',
    '        - when: on_success',
    '    image:',
    '      description: >-',
    `        Image of the job. It provides a POSIX shell. Pinned by version; pin by digest with`,
    `        \`${NEW_COMPONENT_IMAGE}@sha256:<digest>\`.`,
    `      default: ${NEW_COMPONENT_IMAGE}`,
    '    # --- Outputs -----------------------------------------------------------------------------',
    '    dotenv-prefix:',
    '      description: >-',
    "        Prefix of the job's dotenv report keys. Later jobs read `<prefix>_RESULT`; give each",
    '        include its own prefix when one pipeline has several.',
    `      default: ${ident}`,
    "      regex: '^[A-Z][A-Z0-9_]*$'",
    '    artifacts-expire-in:',
    '      description: >-',
    "        How long the job's artifacts are kept (`artifacts:expire_in`). The job's only artifact is",
    '        its dotenv report.',
    '      default: 1 week',
    '---',
    `# ${name}: ${component.description}`,
    ...(component.built ? ['#', `# NOTE: the job's shell is ${SOURCES_DIR}/${name}/${name}.sh, included below by \`catalog build\`.`] : []),
    "'$[[ inputs.as ]]':",
    '  stage: $[[ inputs.stage ]]',
    '  # The default image is pinned by version: a digest can\'t be vouched for here, and the `image`',
    '  # input takes `name:tag@sha256:<digest>` for consumers who pin by digest.',
    '  # catalog-lint-disable-next-line image-not-pinned-by-digest',
    '  image: $[[ inputs.image ]]',
    '  rules: $[[ inputs.rules ]]',
    '  variables:',
    '    # String inputs reach the shell as variables (whole-value interpolation, expanded by the runner).',
    `    ${ident}_DOTENV_PREFIX: $[[ inputs.dotenv-prefix ]]`,
    '  script:',
    '    - |',
    ...script,
    '  artifacts:',
    '    expire_in: $[[ inputs.artifacts-expire-in ]]',
    '    reports:',
    `      dotenv: ${name}.env`,
    '',
  ].join('\n');
}

/** Where the shared helpers are, relative to a component's folder; what `helpers` asks for. */
export const HELPERS_LOG = `${SOURCES_DIR}/lib/log.sh`;

function shellSource(component: NewComponent): string {
  const { name } = component;
  const ident = shellIdentifier(name);
  const said = `${name}: ${component.description.replace(/'/g, '')}`;
  return [
    `# ---- ${name} ----------------------------------------------------------------------------------`,
    '# Write the job here. Its outputs go into the dotenv report, one KEY=value a line, which later',
    '# jobs read as variables.',
    'set -eu',
    ...(component.helpers
      ? ['# catalog:include ../lib/log.sh', `catalog_init ${name}`, '', `catalog_section ${name}_job '${component.description.replace(/'/g, '')}'`, "catalog_say 'replace this with the job'", 'catalog_section_end']
      : [`printf '%s\\n' '${said}'`]),
    `printf '%s_RESULT=%s\\n' "$${ident}_DOTENV_PREFIX" ok > ${name}.env`,
    '',
  ].join('\n');
}

function example(component: NewComponent): string {
  const { name } = component;
  return [
    `# ${name}: ${component.description}`,
    '#',
    '# This pipeline tests the component at the commit under test. Consumers pin a released version:',
    '#   include:',
    `#     - component: ${component.includePrefix}/${name}@1`,
    'include:',
    `  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/${name}@$CI_COMMIT_SHA`,
    '',
  ].join('\n');
}
