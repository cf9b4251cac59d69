// CONTRACT STUB (replaced by the shellcheck work).
export async function shellcheckVersion(): Promise<string | undefined> {
  return undefined;
}
