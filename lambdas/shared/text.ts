/**
 * Every value in a finding is attacker-influenced (user agents, bucket names, tags, DNS names).
 * Before a value reaches an alert it becomes one bounded line of plain text with nothing that
 * can forge a line, reorder text or drive a terminal.
 */
import TLDS from 'tlds';

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
 * URLs and domain names inside are defanged (see `defang`).
 */
export function clean(value: unknown, maxLength = MAX_VALUE_LENGTH): string | undefined {
  const text = plain(value, maxLength * 2);
  return text === undefined ? undefined : truncate(defang(text), maxLength);
}

/**
 * Free text a person chose (a tag, a name, a user agent, a path, a domain, a sentence that embeds
 * them): cleaned, defanged and always in double quotes, so a reader sees where the attacker's
 * words start and stop. A quote inside is escaped (`\"`), so the span cannot be closed early.
 */
export function quoted(value: unknown, maxLength = MAX_VALUE_LENGTH): string | undefined {
  const text = clean(value, maxLength);
  return text === undefined ? undefined : `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// One word of the characters AWS uses in ids, ARNs, addresses, times and enum values (a space
// makes it a sentence: quoted).
const TOKEN = /^[\p{L}\p{N}$][$\p{L}\p{N}._:/@+=,*#()'-]*$/u;

/**
 * A value AWS defines (an id, an ARN, an address, a time, an enum): bare when it looks
 * like one, quoted (and defanged) like free text when it does not. A forged event's "instance id"
 * that holds a sentence or a URL is therefore still shown as the attacker's words.
 */
export function token(value: unknown, maxLength = MAX_VALUE_LENGTH): string | undefined {
  const text = plain(value, maxLength);
  if (text === undefined) return undefined;
  return TOKEN.test(text) && defang(text) === text ? text : quoted(value, maxLength);
}

/**
 * Clean text without defanging: for values GuardDuty or this project defines and that must stay
 * exact (a finding type, `...InstanceCredentialExfiltration.OutsideAWS`, feeds a subscription
 * filter attribute).
 */
export function plain(value: unknown, maxLength = MAX_VALUE_LENGTH): string | undefined {
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

// A URL scheme a mail or chat client turns into a link.
const SCHEME = /\b(h)tt(ps?)(?=:\/\/)|\b(f)t(ps?)(?=:\/\/)/gi;
// A host name: labels, then a label that is not part of a longer word and is not followed by
// another label (`libc.so.6` is a file; `python3.8` and 1.2.3.4 have no such label).
const HOST = /(?<![\p{L}\p{N}_-])(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+([\p{L}][\p{L}\p{N}-]{1,62})(?![\p{L}\p{N}_-]|\.[\p{L}\p{N}_-])/gu;
/**
 * A host is a domain only when it ends in a top-level domain: IANA's root zone (the `tlds`
 * package, which mail and chat linkifiers use too) plus the special-use names of RFC 6761/7686
 * and AWS's private DNS (`.internal`). A field path such as `detail.severity` or a type such as
 * `InstanceCredentialExfiltration.OutsideAWS` is then left alone, while `invoice.zip` is not.
 */
const TOP_LEVEL_DOMAINS: ReadonlySet<string> = new Set([...TLDS, 'example', 'test', 'invalid', 'localhost', 'local', 'onion', 'internal']);

/**
 * URLs and domain names made unclickable the way threat reports write them
 * (`hxxps://evil[.]example/x`, `mail[.]evil[.]example`), so no mail or chat client links an
 * attacker's address and a reader cannot open it by accident. A file name at the end of a path
 * (`/tmp/run.sh`, `C:\\x\\cmd.exe`: one dot, after a slash) is left as it is; a host after `://`
 * never is. Idempotent: defanged text has nothing left to defang.
 */
export function defang(text: string): string {
  return text
    .replace(SCHEME, (_, h, ps, f, ps2) => (h ? `${h}xx${ps}` : `${f}x${ps2}`))
    .replace(HOST, (host: string, tld: string, offset: number, whole: string) => {
      if (!TOP_LEVEL_DOMAINS.has(tld.toLowerCase()) && !tld.toLowerCase().startsWith('xn--')) return host;
      const afterSlash = offset > 0 && (whole[offset - 1] === '/' || whole[offset - 1] === '\\');
      const fileName = afterSlash && whole.slice(Math.max(0, offset - 3), offset) !== '://' && host.split('.').length === 2;
      return fileName ? host : host.replace(/\./g, '[.]');
    });
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
