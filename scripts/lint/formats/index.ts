/**
 * Report formats. Each turns the sorted findings into the text of one report; the CLI writes it to
 * stdout or, with `--output`, atomically to a file.
 *
 * - `text`, `json`: for people and scripts.
 * - `codequality`: GitLab Code Quality (`artifacts:reports:codequality`).
 * - `junit`: JUnit XML for GitLab's test report widget (`artifacts:reports:junit`).
 * - `sarif`: SARIF 2.1.0 (`artifacts:reports:sarif`, GitHub code scanning, IDE viewers).
 * Code Quality and SARIF share one fingerprint per finding (see `fingerprintFindings`).
 */
import type { Diagnostic } from '../../core/diagnostic.js';
import type { Rule } from '../rule.js';
import { formatCodeQuality } from './codequality.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatSarif } from './sarif.js';
import { formatText } from './text.js';

export interface FormatContext {
  /** The catalog root: report paths are relative to it. */
  readonly root: string;
  readonly rules: readonly Rule[];
  readonly toolName: string;
  readonly toolVersion: string;
  /**
   * Every file that was checked (repository-relative or absolute). JUnit gives each one without findings a
   * passing test case, so GitLab's test report shows what was checked; without it, only files with findings
   * appear there.
   */
  readonly files?: readonly string[] | undefined;
  /**
   * Absolute URI under which the repository's files can be read, ending in `/` (in GitLab CI,
   * `$CI_PROJECT_URL/-/blob/$CI_COMMIT_SHA/`). SARIF's `helpUri` (`docs/rules/<id>.md`) and `informationUri`
   * (`README.md`) resolve against it; SARIF requires both to be absolute. Default: the `file:` URL of `root`.
   */
  readonly docsBaseUri?: string | undefined;
}

export type Formatter = (diagnostics: readonly Diagnostic[], ctx: FormatContext) => string;

export const FORMATS = {
  text: formatText,
  json: formatJson,
  codequality: formatCodeQuality,
  junit: formatJunit,
  sarif: formatSarif,
} as const satisfies Record<string, Formatter>;

export type FormatName = keyof typeof FORMATS;
