/**
 * Which nodes make Psych's `safe_load` refuse the document: those that ask its class loader for a
 * class GitLab does not permit (`permitted_classes: [Symbol, Tags::Reference]`), which raises
 * `Psych::DisallowedClass`, "Tried to load unspecified class: <name>" (ruby/psych
 * lib/psych/exception.rb). The dispatch follows `Psych::Visitors::ToRuby` (lib/psych/visitors/to_ruby.rb:
 * `deserialize` for scalars, `visit_Psych_Nodes_Sequence`, `visit_Psych_Nodes_Mapping`) and
 * `Psych::ScalarScanner#tokenize` (lib/psych/scalar_scanner.rb), which reads plain dates and times
 * as `Date` and `Time`. A class named by a tag (`!ruby/object:Foo`) is refused whatever it is.
 */

export type NodeKind = 'scalar' | 'sequence' | 'mapping';

/** `ScalarScanner::TIME` and the date pattern of `tokenize`. */
const TIME = /^-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?$/;
const DATE = /^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$/;

/** The class `tokenize` asks for when it reads `text` (a plain scalar, or one whose tag Psych ignores). */
export function tokenizedClass(text: string): string | undefined {
  if (TIME.test(text)) return 'Time';
  if (DATE.test(text)) return 'Date';
  return undefined;
}

/** A capture that names a class: Psych's `resolve_class` loads nothing for a missing or empty name. */
const named = (match: RegExpExecArray | null, group = 1): string | undefined => match?.[group] || undefined;

/** `deserialize`: a tagged scalar (Psych does not look at the quotes of a tagged scalar). */
function scalarClass(tag: string, text: string): string | undefined {
  if (tag === '!binary' || tag === 'tag:yaml.org,2002:binary') return undefined;
  const string = /^!(?:str|ruby\/string)(?::(.*))?$/.exec(tag);
  if (string || tag === 'tag:yaml.org,2002:str') return named(string);
  const fixed: Record<string, string> = {
    '!ruby/object:BigDecimal': 'BigDecimal',
    '!ruby/object:DateTime': 'DateTime',
    '!ruby/encoding': 'Encoding',
    '!ruby/object:Complex': 'Complex',
    '!ruby/object:Rational': 'Rational',
    '!ruby/regexp': 'Regexp',
    '!ruby/range': 'Range',
  };
  if (fixed[tag]) return fixed[tag];
  if (tag === '!ruby/class' || tag === '!ruby/module') return text || undefined;
  if (/^!ruby\/sym(bol)?:?(.*)?$/.test(tag) || tag === 'tag:yaml.org,2002:float' || tag === '!float') return undefined;
  return tokenizedClass(text);
}

/** `visit_Psych_Nodes_Sequence`: only `!seq:<class>` and `!ruby/array:<class>` name a class. */
const sequenceClass = (tag: string): string | undefined => named(/^!(?:seq|ruby\/array):(.*)$/.exec(tag));

/** `visit_Psych_Nodes_Mapping`, case by case in its order. */
function mappingClass(tag: string): string | undefined {
  let match: RegExpExecArray | null;
  if ((match = /^!ruby\/struct:?(.*)?$/.exec(tag))) return named(match) ?? 'Struct';
  if ((match = /^!ruby\/data(-with-ivars)?(?::(.*))?$/.exec(tag))) return named(match, 2) ?? 'Data';
  if ((match = /^!ruby\/object:?(.*)?$/.exec(tag))) return named(match) === 'Hash' ? undefined : (named(match) ?? 'Object');
  if ((match = /^!(?:str|ruby\/string)(?::(.*))?$/.exec(tag))) return named(match);
  if ((match = /^!ruby\/array:(.*)$/.exec(tag))) return named(match);
  if (tag === '!ruby/range') return 'Range';
  if ((match = /^!ruby\/exception:?(.*)?$/.exec(tag))) return named(match) ?? 'Exception';
  if (tag === '!set' || tag === 'tag:yaml.org,2002:set') return 'Psych::Set';
  if ((match = /^!ruby\/hash-with-ivars(?::(.*))?$/.exec(tag))) return named(match);
  if ((match = /^!(?:map|ruby\/hash):(.*)$/.exec(tag))) return named(match);
  if (tag === '!omap' || tag === 'tag:yaml.org,2002:omap') return 'Psych::Omap';
  return named(/^!ruby\/marshalable:(.*)$/.exec(tag));
}

/**
 * The class safe_load would refuse for a node, or undefined when it loads. `text` is a scalar's
 * source text; `plain` says it was written without quotes (only then does an untagged scalar go
 * through `tokenize`). `!reference` is GitLab's own permitted tag.
 */
export function disallowedClass(kind: NodeKind, tag: string | undefined, text = '', plain = false): string | undefined {
  if (tag === '!reference') return undefined;
  if (tag === undefined) return kind === 'scalar' && plain ? tokenizedClass(text) : undefined;
  if (kind === 'scalar') return scalarClass(tag, text);
  return kind === 'sequence' ? sequenceClass(tag) : mappingClass(tag);
}

export const disallowedClassMessage = (name: string): string => `Tried to load unspecified class: ${name}`;
