// CONTRACT STUB (replaced by the CI-schema work): resolves GitLab's ci.json for the `ci-schema` rule.
export interface ResolvedCiSchema {
  readonly schema?: Readonly<Record<string, unknown>> | undefined;
  readonly source?: string | undefined;
  /** Set when no schema could be had: the run reports it as a warning. */
  readonly warning?: string | undefined;
}
export async function resolveCiSchema(_option: string | undefined, _root: string): Promise<ResolvedCiSchema> {
  return { warning: 'no GitLab CI schema available: the rendered configuration was not validated against ci.json' };
}
export async function updateCiSchema(_source: string | undefined): Promise<string> {
  throw new Error('not implemented');
}
