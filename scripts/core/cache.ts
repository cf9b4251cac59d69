/**
 * The toolkit's cache directory: `$XDG_CACHE_HOME/catalog`, or `~/.cache/catalog` (the XDG spec
 * ignores a relative XDG_CACHE_HOME). Everything kept there can be deleted at any time.
 */
import { homedir } from 'node:os';
import path from 'node:path';

export function cacheDirectory(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir(), '.cache'), 'catalog');
}
