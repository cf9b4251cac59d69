/**
 * Operational failures (a missing file, a git failure, unusable command-line input). The CLI turns
 * them into one line on stderr and exit code 2. Problems in the user's YAML are Diagnostics instead.
 */
export class ToolkitError extends Error {
  override name = 'ToolkitError';
}

export class GitError extends ToolkitError {
  override name = 'GitError';
}

export class UsageError extends ToolkitError {
  override name = 'UsageError';
}
