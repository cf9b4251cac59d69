/**
 * Reads the catalog's components and makes each one's README section, or the diagnostics that
 * explain why it cannot be documented (YAML errors, a missing header, a header GitLab rejects).
 */
import type { Diagnostic } from '../../core/diagnostic.js';
import type { ValueMap } from '../../gitlab/ruby/value.js';
import { validateHeader } from '../../gitlab/inputs/header.js';
import { parseComponentSource } from '../../gitlab/component/source.js';
import { discoverComponents } from '../discover.js';
import { positionIn } from '../../gitlab/yaml/psych.js';
import { describeComponent, renderComponentSection, type ComponentDoc } from './component-docs.js';

export interface DocumentedComponent {
  readonly name: string;
  readonly relativePath: string;
  /** The lines between the markers; undefined when the component has problems. */
  readonly section: readonly string[] | undefined;
  readonly doc: ComponentDoc | undefined;
  readonly problems: readonly Diagnostic[];
}

export async function documentCatalog(root: string, read: (absolutePath: string) => Promise<string>): Promise<DocumentedComponent[]> {
  const out: DocumentedComponent[] = [];
  for (const component of await discoverComponents(root)) {
    const source = parseComponentSource(await read(component.absolutePath), component.relativePath);
    const problems: Diagnostic[] = [...source.syntaxErrors, ...source.diagnostics.filter((d) => d.severity === 'error')];
    const header = source.header ? validateHeader(source.header.value as ValueMap) : undefined;
    for (const e of header?.errors ?? []) {
      problems.push({ ruleId: 'header', severity: 'error', message: e.message, file: source.file, start: positionIn(source.header, e.path, e.part) });
    }
    if (problems.length > 0 || !header) {
      out.push({ name: component.name, relativePath: component.relativePath, section: undefined, doc: undefined, problems });
      continue;
    }
    const doc = describeComponent(component.name, component.relativePath, header.spec, source.content?.value);
    out.push({ name: component.name, relativePath: component.relativePath, section: renderComponentSection(doc), doc, problems: [] });
  }
  return out;
}
