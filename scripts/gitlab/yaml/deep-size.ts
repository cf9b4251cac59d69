/**
 * `Gitlab::Utils::DeepSize` (gitlabhq lib/gitlab/utils/deep_size.rb), which `Gitlab::Config::Loader::Yaml`
 * runs on every loaded document: it walks the value, adding `ObjectSpace.memsize_of` of each object
 * it visits, and gives up past `max_yaml_size_bytes` or past `max_yaml_depth` nested collections
 * (`The parsed YAML is too big`). An object reached twice (an alias: Psych shares the object) is
 * counted twice, so a bomb is measured as what it would expand to, yet the walk stops as soon as it
 * passes the limit: it never expands the bomb. A cycle nests without end and so is too deep.
 *
 * Ruby's memory sizes are estimated for Ruby 3.3 on 64 bits (variable-width slots of 40, 80, 160,
 * 320 and 640 bytes); GitLab measures the real ones, so a document close to the limit may be judged
 * differently (docs/parity.md).
 */
import { RubyFloat, YamlReference, type Value } from '../ruby/value.js';

/** Application setting defaults: `max_yaml_size_bytes` (2 MB since GitLab 17.3) and `max_yaml_depth`. */
export const MAX_YAML_SIZE_BYTES = 2 * 1024 * 1024;
export const MAX_YAML_DEPTH = 100;

const SLOTS = [40, 80, 160, 320, 640];
/** The smallest slot `bytes` fits in, or undefined when the object lives on the malloc heap. */
const slotFor = (bytes: number): number | undefined => SLOTS.find((slot) => slot >= bytes);

/** `ObjectSpace.memsize_of`, estimated. Integers, floats (flonums), true, false, nil and symbols are immediates: 0. */
function memsizeOf(value: Value): number {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || value instanceof RubyFloat) return 0;
  if (typeof value === 'string') {
    // RString: 24 bytes of header, then the bytes and a NUL, embedded when they fit a slot.
    const bytes = Buffer.byteLength(value, 'utf8') + 1;
    return slotFor(24 + bytes) ?? 40 + bytes;
  }
  // `!reference` loads as GitLab's own tag object, which DeepSize does not look into.
  if (value instanceof YamlReference) return 40;
  if (Array.isArray(value)) return slotFor(16 + 8 * value.length) ?? 40 + 8 * value.length;
  // A Hash of up to 8 pairs embeds its array table in a 160-byte slot; larger ones use an st_table.
  return value.size <= 8 ? 160 : 40 + 56 + 24 * value.size + 8 * value.size;
}

class TooMuchData extends Error {}

/** True when GitLab's DeepSize would refuse `root`: more than `maxSize` bytes or more than `maxDepth` nested collections. */
export function isTooBig(root: Value, maxSize = MAX_YAML_SIZE_BYTES, maxDepth = MAX_YAML_DEPTH): boolean {
  let size = 0;
  let depth = 0;
  const add = (value: Value): void => {
    size += memsizeOf(value);
    if (size > maxSize) throw new TooMuchData();
    if (!Array.isArray(value) && !(value instanceof Map)) return;
    depth += 1;
    if (depth > maxDepth) throw new TooMuchData();
    if (Array.isArray(value)) for (const item of value) add(item);
    else {
      for (const [key, item] of value) {
        add(key);
        add(item);
      }
    }
    depth -= 1;
  };
  try {
    add(root);
    return false;
  } catch (error) {
    if (error instanceof TooMuchData) return true;
    throw error;
  }
}
