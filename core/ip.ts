/**
 * IPv4 and IPv6 addresses and CIDR blocks, parsed without Node APIs (the event-pattern matcher,
 * the config and the Lambda bundles share it).
 */

/** The mask bits of byte `index` for a prefix of `maskBits` bits. */
export function maskOfByte(maskBits: number, index: number): number {
  const bitsInByte = Math.min(8, Math.max(0, maskBits - index * 8));
  return (0xff << (8 - bitsInByte)) & 0xff;
}

export function isDecimalDigits(text: string, maxLength: number): boolean {
  if (text.length === 0 || text.length > maxLength) {
    return false;
  }
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) {
      return false;
    }
  }
  return true;
}

/** Parses an IPv4 (4 bytes) or IPv6 (16 bytes) address literal; `undefined` when it is neither. */
export function parseIpAddress(text: string): number[] | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) {
    return undefined;
  }
  const bytes: number[] = [];
  for (const part of parts) {
    if (!isDecimalDigits(part, 3)) {
      return undefined;
    }
    const byte = Number(part);
    if (byte > 255) {
      return undefined;
    }
    bytes.push(byte);
  }
  return bytes;
}

function parseIpv6(text: string): number[] | undefined {
  const gap = text.indexOf('::');
  if (gap !== text.lastIndexOf('::')) {
    return undefined;
  }
  const head = gap < 0 ? text : text.slice(0, gap);
  const tail = gap < 0 ? '' : text.slice(gap + 2);
  const headWords = head === '' ? [] : parseIpv6Groups(head.split(':'), gap < 0);
  const tailWords = tail === '' ? [] : parseIpv6Groups(tail.split(':'), true);
  if (headWords === undefined || tailWords === undefined) {
    return undefined;
  }
  const missing = 8 - headWords.length - tailWords.length;
  if (gap < 0 ? missing !== 0 : missing < 1) {
    return undefined;
  }
  const words = [...headWords, ...new Array<number>(gap < 0 ? 0 : missing).fill(0), ...tailWords];
  const bytes: number[] = [];
  for (const word of words) {
    bytes.push(word >> 8, word & 0xff);
  }
  return bytes;
}

/** 16-bit words of colon-separated hex groups; the last group may be a dotted IPv4 address when `ipv4Allowed`. */
function parseIpv6Groups(groups: readonly string[], ipv4Allowed: boolean): number[] | undefined {
  const words: number[] = [];
  for (let index = 0; index < groups.length; index++) {
    const group = groups[index] as string;
    if (ipv4Allowed && index === groups.length - 1 && group.includes('.')) {
      const ipv4 = parseIpv4(group);
      if (ipv4 === undefined) {
        return undefined;
      }
      words.push(((ipv4[0] as number) << 8) | (ipv4[1] as number), ((ipv4[2] as number) << 8) | (ipv4[3] as number));
    } else {
      if (group.length === 0 || group.length > 4) {
        return undefined;
      }
      let word = 0;
      for (let position = 0; position < group.length; position++) {
        const digit = hexDigitValue(group.charCodeAt(position));
        if (digit < 0) {
          return undefined;
        }
        word = word * 16 + digit;
      }
      words.push(word);
    }
  }
  return words;
}

function hexDigitValue(code: number): number {
  if (code >= 48 && code <= 57) {
    return code - 48;
  }
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

export interface Cidr {
  readonly version: 4 | 6;
  /** The address bytes as written. */
  readonly address: readonly number[];
  readonly maskBits: number;
  /** No address bit is set beyond the prefix (10.0.0.0/16, not 10.0.0.1/16). */
  readonly canonical: boolean;
}

/** A CIDR block such as `10.0.0.0/16` or `2001:db8::/32`; `undefined` when it is not one. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIpAddress(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (address === undefined || !isDecimalDigits(bitsText, 3)) return undefined;
  const maskBits = Number(bitsText);
  if (maskBits > address.length * 8) return undefined;
  const canonical = address.every((byte, index) => (byte & ~maskOfByte(maskBits, index) & 0xff) === 0);
  return { version: address.length === 4 ? 4 : 6, address, maskBits, canonical };
}

/** Whether the address literal `address` lies in `cidr` (its prefix bits decide; host bits written in the block are ignored). */
export function cidrHolds(cidr: Cidr, address: string): boolean {
  const bytes = parseIpAddress(address);
  if (bytes === undefined || bytes.length !== cidr.address.length) return false;
  return bytes.every((byte, index) => ((byte ^ (cidr.address[index] as number)) & maskOfByte(cidr.maskBits, index)) === 0);
}

/** IP protocol numbers EC2 also accepts by name, and the name it describes them with (`-1`: all traffic). */
const PROTOCOL_NAMES: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', all: '-1' };

/** A security group rule's IpProtocol as EC2 describes it: `tcp`, `udp`, `icmp`, `icmpv6`, `-1` or another number. */
export function normalizeProtocol(protocol: string | undefined): string {
  const lower = String(protocol ?? '-1').toLowerCase();
  return PROTOCOL_NAMES[lower] ?? lower;
}
