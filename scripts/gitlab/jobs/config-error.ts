/**
 * A configuration error GitLab reports instead of creating the pipeline (`Config::ConfigError`):
 * an `extends:` or `!reference` that cannot be resolved. The message is GitLab's.
 */
export class JobConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobConfigError';
  }
}
