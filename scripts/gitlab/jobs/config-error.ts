/**
 * A configuration error GitLab reports instead of creating the pipeline (`Config::ConfigError`):
 * an `extends:` or `!reference` that cannot be resolved. The message is GitLab's; the path is where
 * in the configuration the offending `extends:` or tag is written, when that is known.
 */
import type { PathSegment } from '../yaml/psych.js';

export class JobConfigError extends Error {
  readonly path: readonly PathSegment[] | undefined;

  constructor(message: string, path?: readonly PathSegment[]) {
    super(message);
    this.name = 'JobConfigError';
    this.path = path;
  }
}

/**
 * Where the resolvers put the errors they meet when asked to go on (to report every error, where
 * GitLab stops at the first); without one, they throw the first.
 */
export type ConfigErrorSink = (error: JobConfigError) => void;
