/**
 * Ruby's stdlib `Shellwords`, as GitLab's `posix_escape` interpolation function uses it.
 */

/**
 * Ruby stdlib `Shellwords.shellescape` (ruby/ruby lib/shellwords.rb): `''` for an empty string;
 * otherwise `gsub(/[^A-Za-z0-9_\-.,:+\/@\n]/, "\\\\\\&")`, which on a UTF-8 string matches whole
 * characters, so every multibyte character (é, emoji, NBSP) gets one backslash; then each LF
 * becomes `'\n'`, because backslash-newline is a line continuation in the shell.
 */
export function shellescape(s: string): string {
  if (s === '') return "''";
  let out = '';
  for (const ch of s) out += /^[A-Za-z0-9_\-.,:+\/@\n]$/.test(ch) ? ch : `\\${ch}`;
  return out.replaceAll('\n', "'\n'");
}
