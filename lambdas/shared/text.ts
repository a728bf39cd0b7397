/**
 * Every value in a finding is attacker-influenced (user agents, bucket names, tags, DNS names).
 * Before a value reaches an alert it becomes one bounded line of plain text with nothing that
 * can forge a line, reorder text or drive a terminal.
 */

/** Default bound of one value in an alert body. */
export const MAX_VALUE_LENGTH = 200;

// ANSI/VT100 escape sequences (CSI and OSC) first, so their parameters go with them.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g;
// C0 controls (CR, LF, TAB, ESC...), DEL and C1 controls become a space.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;
// Bidi overrides/isolates/marks (U+202E "Trojan Source"), zero-width characters, line/paragraph separators, BOM.
const INVISIBLE = /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * One line of safe text, at most `maxLength` characters (an ellipsis marks a cut), or undefined
 * when there is nothing to show: a missing field is left out, never printed as "undefined".
 */
export function clean(value: unknown, maxLength = MAX_VALUE_LENGTH): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return undefined;
  // Bound the work first: a 100 KB value is cut before any regex runs over it.
  const text = value
    .slice(0, maxLength * 4 + 64)
    .replace(ANSI, '')
    .replace(CONTROL, ' ')
    .replace(INVISIBLE, '')
    // Angle brackets become look-alikes so no mail client or chat bridge renders markup.
    .replace(/</g, '\u2039')
    .replace(/>/g, '\u203a')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '' || text === 'null' || text === 'undefined' || text === 'None') return undefined;
  return truncate(text, maxLength);
}

export function truncate(text: string, maxLength: number, ellipsis = '\u2026'): string {
  if (text.length <= maxLength) return text;
  // Never cut a surrogate pair in half.
  let end = maxLength - ellipsis.length;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end) + ellipsis;
}

/** Printable ASCII only (SNS subjects): anything else becomes '?'. */
export function toPrintableAscii(text: string): string {
  return text
    .replace(/[\u2039\u203a]/g, (c) => (c === '\u2039' ? '(' : ')'))
    .replace(/\u2026/g, '...')
    .replace(/[^\x20-\x7e]/g, '?');
}

/**
 * JSON of a value from an event, bounded in depth and in length: nesting below `maxDepth` becomes
 * "...", and the walk stops once `maxLength` characters are written. An attacker's 10,000-deep
 * object would make JSON.stringify overflow the stack (RangeError) and cost the alert.
 */
export function boundedJson(value: unknown, maxLength = MAX_VALUE_LENGTH, maxDepth = 8): string {
  let out = '';
  const write = (v: unknown, depth: number): void => {
    if (out.length > maxLength) return;
    if (v === null || typeof v !== 'object') {
      out += JSON.stringify(v) ?? 'null';
      return;
    }
    if (depth >= maxDepth) {
      out += '"..."';
      return;
    }
    const entries: [string | undefined, unknown][] = Array.isArray(v) ? v.map((item) => [undefined, item]) : Object.entries(v as Record<string, unknown>);
    out += Array.isArray(v) ? '[' : '{';
    entries.forEach(([key, item], i) => {
      if (out.length > maxLength) return;
      if (i > 0) out += ',';
      if (key !== undefined) out += `${JSON.stringify(key)}:`;
      write(item, depth + 1);
    });
    out += Array.isArray(v) ? ']' : '}';
  };
  write(value, 0);
  return out.length > maxLength ? `${out.slice(0, maxLength)}...` : out;
}
