/**
 * Where a node of a merged pipeline comes from, so that a finding about it points into the file
 * the user edits. GitLab deep-merges the includes' contents in order, then the pipeline's own
 * values (`Processor#perform`): the node at a path is the last contribution's that has it (for a
 * path none has entirely, the one that has most of it). A node from the pipeline is where it is
 * written. A node from an include is traced back through the interpolation (`Origins`) to the
 * component's source: when that text reads an input the include sets (`$[[ inputs.stage ]]`), the
 * node is that input's value in the pipeline; otherwise it is component code, which the pipeline
 * cannot change, and is placed at the include's `component:`.
 */
import { isValueMap, type Value } from '../ruby/value.js';
import { findBlocks, splitBlockData } from '../interpolation/template.js';
import type { PathSegment, SourceRange } from '../yaml/psych.js';
import type { Contribution } from './processor.js';

export type IncludeContribution = Contribution & { kind: 'include' };

export interface Attribution {
  /** In the pipeline file; undefined only when nothing of the path is written anywhere. */
  readonly range: SourceRange | undefined;
  /** `pipeline`: written there; `input`: an input the include sets; `component`: the component's own code. */
  readonly origin: 'pipeline' | 'input' | 'component';
  /** The include the node comes from, unless it is the pipeline's own. */
  readonly include?: IncludeContribution | undefined;
}

/** How many leading segments of `path` exist in `value`. */
function existingDepth(value: Value, path: readonly PathSegment[]): number {
  let node: Value | undefined = value;
  let depth = 0;
  for (const segment of path) {
    if (isValueMap(node) && typeof segment === 'string' && node.has(segment)) node = node.get(segment);
    else if (Array.isArray(node) && typeof segment === 'number' && segment < node.length) node = node[segment];
    else break;
    depth++;
  }
  return depth;
}

const valueOf = (contribution: Contribution): Value => (contribution.kind === 'pipeline' ? contribution.value : contribution.content);

/** The node at `path` of the merged pipeline, attributed as the file comment says. */
export function attribute(contributions: readonly Contribution[], path: readonly PathSegment[], part: 'key' | 'value' = 'value'): Attribution {
  let best: Contribution | undefined;
  let bestDepth = -1;
  for (let i = contributions.length - 1; i >= 0; i--) {
    const contribution = contributions[i] as Contribution;
    const depth = existingDepth(valueOf(contribution), path);
    if (depth > bestDepth) {
      best = contribution;
      bestDepth = depth;
    }
  }
  if (!best) return { range: undefined, origin: 'pipeline' };
  const pipeline = contributions.find((c) => c.kind === 'pipeline');
  const prefix = path.slice(0, bestDepth);
  // Where the path stops existing, the finding is about the last mapping entry that does: its key.
  const prefixPart = typeof prefix[prefix.length - 1] === 'string' ? 'key' : 'value';
  return attributeIn(best, pipeline, prefix, bestDepth === path.length ? part : prefixPart);
}

/** The node at `path` (which exists) of one contribution. */
export function attributeIn(
  contribution: Contribution,
  pipeline: Contribution | undefined,
  path: readonly PathSegment[],
  part: 'key' | 'value',
): Attribution {
  const doc = pipeline?.kind === 'pipeline' ? pipeline.doc : undefined;
  if (contribution.kind === 'pipeline') return { range: locateNearest(doc, path, part), origin: 'pipeline' };
  const anchor = doc?.locate([...contribution.path, 'component'], 'value') ?? doc?.locate(contribution.path, 'value');
  const input = inputsRead(contribution, path, part).find((name) => contribution.inputs?.has(name));
  if (input !== undefined) {
    return { range: doc?.locate([...contribution.path, 'inputs', input], 'value') ?? anchor, origin: 'input', include: contribution };
  }
  return { range: anchor, origin: 'component', include: contribution };
}

/** The inputs the component's source text of the node (or of its nearest traced ancestor) reads. */
export function inputsRead(contribution: IncludeContribution, path: readonly PathSegment[], part: 'key' | 'value'): string[] {
  const { origins, source } = contribution;
  const content = source?.content?.value;
  if (!origins || content === undefined) return [];
  for (let n = path.length; n >= 0; n--) {
    const origin = origins.get(JSON.stringify(path.slice(0, n)));
    if (!origin) continue;
    const text = n === path.length && part === 'key' ? origin[origin.length - 1] : valueAtPath(content, origin);
    if (typeof text !== 'string') return [];
    return findBlocks(text).flatMap((block) => {
      const [context, name] = splitBlockData(block.data).access.split('.');
      return context === 'inputs' && name !== undefined ? [name.replace(/\[.*$/, '')] : [];
    });
  }
  return [];
}

function valueAtPath(value: Value, path: readonly PathSegment[]): Value | undefined {
  let node: Value | undefined = value;
  for (const segment of path) {
    if (isValueMap(node) && typeof segment === 'string') node = node.get(segment);
    else if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else return undefined;
  }
  return node;
}

/** The range at `path`, or of its nearest ancestor that has one. */
function locateNearest(doc: { locate(path: readonly PathSegment[], part?: 'key' | 'value'): SourceRange | undefined } | undefined, path: readonly PathSegment[], part: 'key' | 'value'): SourceRange | undefined {
  if (!doc) return undefined;
  for (let n = path.length; n >= 0; n--) {
    const found = doc.locate(path.slice(0, n), n === path.length ? part : 'value') ?? doc.locate(path.slice(0, n), 'key');
    if (found) return found;
  }
  return undefined;
}
