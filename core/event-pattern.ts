/**
 * Amazon EventBridge event-pattern matching, without dependencies. No maintained npm library does
 * this (EventBridge's own matcher, aws/event-ruler, is Java; TestEventPattern needs AWS), so the
 * routing tests and the simulator use this module.
 *
 * The semantics follow the EventBridge user guide:
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
 *
 * In short:
 * - Every field named in the pattern must be present in the event with the same nesting; fields of the event
 *   that the pattern does not name are ignored. The one exception is `{"exists": false}`, which matches an absent
 *   field (and, since exists matching works on leaf nodes only, a field whose value is an object).
 * - A pattern leaf is a non-empty array; it matches when any of its elements matches (OR). The keys of a pattern
 *   object must all match (AND). `"$or": [p1, p2, ...]` (at least two sub-patterns, at any level) matches when any
 *   sub-pattern matches the same event object, and combines with its sibling keys by AND.
 * - When the event value is an array, the leaf matches when any element matches. A nested pattern object matches an
 *   array of objects when one element matches the whole nested pattern through a value it holds. `{"exists": false}`
 *   on a field of such an element is judged in that element; where no value ties the pattern to one element (only
 *   absences are asked), it holds only when NO element has the field, as EventBridge's matcher does (see matchNested).
 * - Exact values compare the JSON value: strings character by character without case folding, numbers by value,
 *   `true`/`false`/`null` only themselves. An empty string matches only an empty string; `null` does not match `""`.
 * - String operators (prefix, suffix, equals-ignore-case, wildcard, cidr) match string values only; `numeric`
 *   matches JSON numbers only. `anything-but` matches any present leaf value that is not excluded, whatever its type
 *   (a number, `null` or `true` is never "a string with prefix x").
 *
 * Compiled patterns are cached per pattern object (WeakMap), so a pattern must not be mutated after it has been
 * validated or used for matching.
 */

import { type Cidr, cidrHolds, isDecimalDigits, parseCidr, parseIpAddress } from './ip';

/** An event pattern: a JSON object, as accepted by `PutRule` / `TestEventPattern`. */
export type EventPattern = { readonly [key: string]: unknown };

/** Thrown for a pattern EventBridge would reject; `path` names the offending location (JSONPath-like, from `$`). */
export class InvalidEventPatternError extends Error {
  /** Where in the pattern the problem is, for example `$.detail.state[0]`. */
  public readonly path: string;
  /** What is wrong, without the location. */
  public readonly problem: string;

  public constructor(path: string, problem: string) {
    super(`Invalid event pattern at ${path}: ${problem}`);
    this.name = 'InvalidEventPatternError';
    this.path = path;
    this.problem = problem;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * Throws {@link InvalidEventPatternError} naming the path and the problem for anything EventBridge would reject:
 * unknown operators, non-array leaves, empty arrays or objects, malformed numeric/cidr/wildcard/anything-but operands,
 * and `$or` with fewer than two sub-patterns.
 */
export function validateEventPattern(pattern: unknown): asserts pattern is EventPattern {
  compiledPatternOf(pattern);
}

/** `true` when `event` matches `pattern`. The pattern is validated first (throws on an invalid pattern). */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  const compiled = compiledPatternOf(pattern);
  // An EventBridge event is always a JSON object; anything else matches nothing.
  if (!isJsonObject(event)) {
    return false;
  }
  return matchObject(compiled, event) !== 'no';
}

// ---------------------------------------------------------------------------------------------------------------------
// Compiled form
// ---------------------------------------------------------------------------------------------------------------------

type JsonScalar = string | number | boolean | null;
type JsonObject = { readonly [key: string]: unknown };

interface NumericRange {
  readonly lower: number;
  readonly lowerInclusive: boolean;
  readonly upper: number;
  readonly upperInclusive: boolean;
}

/** A compiled `*`-wildcard: the literal runs between the unescaped stars (so `parts.length` = stars + 1). */
type WildcardParts = readonly string[];

/** A compiled operator, tested against one present scalar value. */
type ValueTest =
  | { readonly kind: 'exists' }
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'prefix-ignore-case'; readonly folded: string }
  | { readonly kind: 'suffix'; readonly value: string }
  | { readonly kind: 'suffix-ignore-case'; readonly folded: string }
  | { readonly kind: 'equals-ignore-case'; readonly folded: string }
  | { readonly kind: 'wildcard'; readonly parts: WildcardParts }
  | { readonly kind: 'numeric'; readonly range: NumericRange }
  | { readonly kind: 'cidr'; readonly cidr: Cidr }
  | { readonly kind: 'anything-but'; readonly excluded: ReadonlySet<JsonScalar> }
  | { readonly kind: 'anything-but-prefix'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-suffix'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-ignore-case'; readonly folded: ReadonlySet<string> }
  | { readonly kind: 'anything-but-wildcard'; readonly patterns: readonly WildcardParts[] };

interface CompiledLeaf {
  readonly kind: 'leaf';
  /** Exact JSON values (strings, numbers, booleans, null) listed in the leaf. */
  readonly exact: ReadonlySet<JsonScalar>;
  /** Operators listed in the leaf, other than `exists: false`. */
  readonly tests: readonly ValueTest[];
  /** The leaf lists `{"exists": false}`: it matches when the field holds no leaf value. */
  readonly matchesAbsent: boolean;
}

interface CompiledField {
  readonly key: string;
  readonly node: CompiledLeaf | CompiledObject;
}

interface CompiledObject {
  readonly kind: 'object';
  readonly fields: readonly CompiledField[];
  /** One entry per `$or` key: the sub-patterns, of which one must match. */
  readonly alternatives: readonly (readonly CompiledObject[])[];
  /** Whether this object pattern matches when the event has nothing at its place (only `exists: false` can). */
  readonly matchesAbsent: boolean;
}

const compiledPatterns = new WeakMap<object, CompiledObject>();

function compiledPatternOf(pattern: unknown): CompiledObject {
  if (!isJsonObject(pattern)) {
    throw new InvalidEventPatternError('$', `an event pattern must be a JSON object, got ${describe(pattern)}`);
  }
  let compiled = compiledPatterns.get(pattern);
  if (compiled === undefined) {
    compiled = compileObject(pattern, '$');
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

// ---------------------------------------------------------------------------------------------------------------------
// Validation and compilation
// ---------------------------------------------------------------------------------------------------------------------

const OR_KEY = '$or';

function compileObject(pattern: JsonObject, path: string): CompiledObject {
  const keys = Object.keys(pattern);
  if (keys.length === 0) {
    throw new InvalidEventPatternError(path, 'empty objects are not allowed; name at least one field to match');
  }
  const fields: CompiledField[] = [];
  const alternatives: CompiledObject[][] = [];
  for (const key of keys) {
    const value = pattern[key];
    const childPath = childPathOf(path, key);
    if (key === OR_KEY) {
      alternatives.push(compileOr(value, childPath));
    } else if (Array.isArray(value)) {
      fields.push({ key, node: compileLeaf(value, childPath) });
    } else if (isJsonObject(value)) {
      fields.push({ key, node: compileObject(value, childPath) });
    } else {
      throw new InvalidEventPatternError(
        childPath,
        `a field's value must be an array of values to match or a nested pattern object, got ${describe(value)}`,
      );
    }
  }
  const matchesAbsent =
    fields.every((field) => field.node.matchesAbsent) &&
    alternatives.every((group) => group.some((alternative) => alternative.matchesAbsent));
  return { kind: 'object', fields, alternatives, matchesAbsent };
}

function compileOr(value: unknown, path: string): CompiledObject[] {
  if (!Array.isArray(value)) {
    throw new InvalidEventPatternError(path, `"$or" must be an array of pattern objects, got ${describe(value)}`);
  }
  if (value.length < 2) {
    throw new InvalidEventPatternError(path, `"$or" needs at least 2 pattern objects, got ${value.length}`);
  }
  return value.map((alternative: unknown, index) => {
    const alternativePath = `${path}[${index}]`;
    if (!isJsonObject(alternative)) {
      throw new InvalidEventPatternError(
        alternativePath,
        `each "$or" alternative must be a pattern object, got ${describe(alternative)}`,
      );
    }
    return compileObject(alternative, alternativePath);
  });
}

function compileLeaf(values: readonly unknown[], path: string): CompiledLeaf {
  if (values.length === 0) {
    throw new InvalidEventPatternError(path, 'empty arrays are not allowed; list at least one value to match');
  }
  const exact = new Set<JsonScalar>();
  const tests: ValueTest[] = [];
  let matchesAbsent = false;
  values.forEach((value: unknown, index) => {
    const valuePath = `${path}[${index}]`;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') {
      exact.add(value);
    } else if (typeof value === 'number') {
      exact.add(requireFiniteNumber(value, valuePath, 'a match value'));
    } else if (Array.isArray(value)) {
      throw new InvalidEventPatternError(valuePath, 'nested arrays are not allowed in a list of match values');
    } else if (isJsonObject(value)) {
      const test = compileOperator(value, valuePath);
      if (test === EXISTS_FALSE) {
        matchesAbsent = true;
      } else {
        tests.push(test);
      }
    } else {
      throw new InvalidEventPatternError(
        valuePath,
        `a match value must be a string, number, boolean, null or operator object, got ${describe(value)}`,
      );
    }
  });
  return { kind: 'leaf', exact, tests, matchesAbsent };
}

const EXISTS_FALSE = Symbol('exists:false');
const EXISTS_TRUE: ValueTest = { kind: 'exists' };

function compileOperator(operator: JsonObject, path: string): ValueTest | typeof EXISTS_FALSE {
  const keys = Object.keys(operator);
  if (keys.length !== 1) {
    throw new InvalidEventPatternError(
      path,
      `an operator object must have exactly one key, got ${listKeys(keys)}`,
    );
  }
  const name = keys[0] as string;
  const operand = operator[name];
  const operandPath = childPathOf(path, name);
  switch (name) {
    case 'prefix':
      return compilePrefixOrSuffix('prefix', operand, operandPath);
    case 'suffix':
      return compilePrefixOrSuffix('suffix', operand, operandPath);
    case 'equals-ignore-case':
      return { kind: 'equals-ignore-case', folded: foldCase(requireString(operand, operandPath, name)) };
    case 'wildcard':
      return { kind: 'wildcard', parts: parseWildcard(requireString(operand, operandPath, name), operandPath) };
    case 'numeric':
      return { kind: 'numeric', range: compileNumeric(operand, operandPath) };
    case 'cidr':
      return compileCidr(operand, operandPath);
    case 'exists':
      if (typeof operand !== 'boolean') {
        throw new InvalidEventPatternError(operandPath, `"exists" must be true or false, got ${describe(operand)}`);
      }
      return operand ? EXISTS_TRUE : EXISTS_FALSE;
    case 'anything-but':
      return compileAnythingBut(operand, operandPath);
    default:
      throw new InvalidEventPatternError(path, `unknown operator ${quote(name)}`);
  }
}

function compilePrefixOrSuffix(name: 'prefix' | 'suffix', operand: unknown, path: string): ValueTest {
  if (typeof operand === 'string') {
    return name === 'prefix' ? { kind: 'prefix', value: operand } : { kind: 'suffix', value: operand };
  }
  if (isJsonObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw new InvalidEventPatternError(
        path,
        `"${name}" accepts a string or {"equals-ignore-case": string}, got an object with keys ${listKeys(keys)}`,
      );
    }
    const folded = foldCase(requireString(operand['equals-ignore-case'], childPathOf(path, 'equals-ignore-case'), 'equals-ignore-case'));
    return name === 'prefix' ? { kind: 'prefix-ignore-case', folded } : { kind: 'suffix-ignore-case', folded };
  }
  throw new InvalidEventPatternError(path, `"${name}" must be a string or {"equals-ignore-case": string}, got ${describe(operand)}`);
}

const LOWER_BOUNDS = new Set(['>', '>=']);
const UPPER_BOUNDS = new Set(['<', '<=']);

function compileNumeric(operand: unknown, path: string): NumericRange {
  const shape = '["=", n], [">" | ">=" | "<" | "<=", n] or [">" | ">=", n, "<" | "<=", m]';
  if (!Array.isArray(operand)) {
    throw new InvalidEventPatternError(path, `"numeric" must be an array like ${shape}, got ${describe(operand)}`);
  }
  const terms: readonly unknown[] = operand;
  if (terms.length !== 2 && terms.length !== 4) {
    throw new InvalidEventPatternError(path, `"numeric" must be one comparison or a range, like ${shape}; got ${terms.length} terms`);
  }
  const first = requireNumericOperator(terms[0], `${path}[0]`);
  const firstValue = requireFiniteNumber(terms[1], `${path}[1]`, `the value of "${first}"`);
  if (terms.length === 2) {
    switch (first) {
      case '=':
        return { lower: firstValue, lowerInclusive: true, upper: firstValue, upperInclusive: true };
      case '>':
      case '>=':
        return { lower: firstValue, lowerInclusive: first === '>=', upper: Infinity, upperInclusive: false };
      default:
        return { lower: -Infinity, lowerInclusive: false, upper: firstValue, upperInclusive: first === '<=' };
    }
  }
  if (!LOWER_BOUNDS.has(first)) {
    throw new InvalidEventPatternError(`${path}[0]`, `a numeric range must start with ">" or ">=", got ${quote(first)}`);
  }
  const second = requireNumericOperator(terms[2], `${path}[2]`);
  if (!UPPER_BOUNDS.has(second)) {
    throw new InvalidEventPatternError(`${path}[2]`, `a numeric range must end with "<" or "<=", got ${quote(second)}`);
  }
  const secondValue = requireFiniteNumber(terms[3], `${path}[3]`, `the value of "${second}"`);
  if (!(firstValue < secondValue)) {
    throw new InvalidEventPatternError(path, `the lower bound ${firstValue} must be less than the upper bound ${secondValue}`);
  }
  return { lower: firstValue, lowerInclusive: first === '>=', upper: secondValue, upperInclusive: second === '<=' };
}

function requireNumericOperator(term: unknown, path: string): string {
  if (term === '=' || term === '<' || term === '<=' || term === '>' || term === '>=') {
    return term;
  }
  throw new InvalidEventPatternError(path, `unknown numeric operator ${describe(term)}; use =, <, <=, > or >=`);
}

function compileCidr(operand: unknown, path: string): ValueTest {
  const text = requireString(operand, path, 'cidr');
  // Host bits written in the block are ignored, as EventBridge ignores them (cidrHolds compares prefix bits only).
  const cidr = parseCidr(text);
  if (cidr) return { kind: 'cidr', cidr };
  // Not a block: say which part is wrong.
  const slash = text.indexOf('/');
  const address = slash < 0 ? undefined : parseIpAddress(text.slice(0, slash));
  const bitsText = slash < 0 ? '' : text.slice(slash + 1);
  if (address !== undefined && isDecimalDigits(bitsText, 3)) {
    throw new InvalidEventPatternError(path, `CIDR prefix length /${Number(bitsText)} is too long for ${quote(text)}`);
  }
  throw new InvalidEventPatternError(
    path,
    `malformed CIDR block ${quote(text)}; expected an address and a prefix length, like "10.0.0.0/24" or "2001:db8::/32"`,
  );
}

const ANYTHING_BUT_OBJECT_KEYS = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard'];
const ANYTHING_BUT_OBJECT_KEYS_TEXT = ANYTHING_BUT_OBJECT_KEYS.map(quote).join(', ');

function compileAnythingBut(operand: unknown, path: string): ValueTest {
  if (typeof operand === 'string') {
    return { kind: 'anything-but', excluded: new Set<JsonScalar>([operand]) };
  }
  if (typeof operand === 'number') {
    return { kind: 'anything-but', excluded: new Set<JsonScalar>([requireFiniteNumber(operand, path, '"anything-but"')]) };
  }
  if (Array.isArray(operand)) {
    const values: readonly unknown[] = operand;
    if (values.length === 0) {
      throw new InvalidEventPatternError(path, 'the "anything-but" list must not be empty');
    }
    const allStrings = values.every((value) => typeof value === 'string');
    const allNumbers = values.every((value) => typeof value === 'number' && Number.isFinite(value));
    if (!allStrings && !allNumbers) {
      throw new InvalidEventPatternError(path, 'an "anything-but" list must contain only strings or only numbers');
    }
    return { kind: 'anything-but', excluded: new Set(values as readonly JsonScalar[]) };
  }
  if (isJsonObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1) {
      throw new InvalidEventPatternError(
        path,
        `an "anything-but" object must have exactly one key (${ANYTHING_BUT_OBJECT_KEYS_TEXT}), got ${listKeys(keys)}`,
      );
    }
    const name = keys[0] as string;
    const namePath = childPathOf(path, name);
    if (name === 'anything-but') {
      throw new InvalidEventPatternError(namePath, '"anything-but" cannot be nested inside "anything-but"');
    }
    if (!ANYTHING_BUT_OBJECT_KEYS.includes(name)) {
      throw new InvalidEventPatternError(
        namePath,
        `"anything-but" does not support ${quote(name)}; use ${ANYTHING_BUT_OBJECT_KEYS_TEXT}`,
      );
    }
    const strings = requireStringOrStrings(operand[name], namePath, `"anything-but" ${quote(name)}`);
    switch (name) {
      case 'prefix':
      case 'suffix':
        strings.forEach((value, index) => {
          if (value === '') {
            const valuePath = strings.length === 1 ? namePath : `${namePath}[${index}]`;
            throw new InvalidEventPatternError(valuePath, `an "anything-but" ${name} must not be empty`);
          }
        });
        return name === 'prefix' ? { kind: 'anything-but-prefix', values: strings } : { kind: 'anything-but-suffix', values: strings };
      case 'equals-ignore-case':
        return { kind: 'anything-but-ignore-case', folded: new Set(strings.map(foldCase)) };
      default:
        return {
          kind: 'anything-but-wildcard',
          patterns: strings.map((value, index) => parseWildcard(value, strings.length === 1 ? namePath : `${namePath}[${index}]`)),
        };
    }
  }
  throw new InvalidEventPatternError(
    path,
    `"anything-but" must be a string, a number, a list of strings or of numbers, ` +
      `or an object with ${ANYTHING_BUT_OBJECT_KEYS_TEXT}; got ${describe(operand)}`,
  );
}

/**
 * Parses a wildcard operand: `*` matches any run of characters (including none), `\*` is a literal star and `\\` a
 * literal backslash. Consecutive wildcards (`**`) and escapes of any other character are rejected, as documented.
 */
function parseWildcard(pattern: string, path: string): WildcardParts {
  const parts: string[] = [];
  let literal = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern.charAt(index);
    if (char === '\\') {
      const next = pattern.charAt(index + 1);
      if (next !== '*' && next !== '\\') {
        throw new InvalidEventPatternError(
          path,
          `invalid escape in wildcard ${quote(pattern)} at position ${index}; ` +
            'only \\* (a literal star) and \\\\ (a literal backslash) are allowed',
        );
      }
      literal += next;
      index++;
    } else if (char === '*') {
      if (pattern.charAt(index + 1) === '*') {
        throw new InvalidEventPatternError(path, `consecutive wildcard characters "**" in ${quote(pattern)} at position ${index}`);
      }
      parts.push(literal);
      literal = '';
    } else {
      literal += char;
    }
  }
  parts.push(literal);
  return parts;
}

function requireString(value: unknown, path: string, what: string): string {
  if (typeof value !== 'string') {
    throw new InvalidEventPatternError(path, `"${what}" must be a string, got ${describe(value)}`);
  }
  return value;
}

function requireStringOrStrings(value: unknown, path: string, what: string): readonly string[] {
  if (typeof value === 'string') {
    return [value];
  }
  if (Array.isArray(value)) {
    const values: readonly unknown[] = value;
    if (values.length === 0) {
      throw new InvalidEventPatternError(path, `${what} list must not be empty`);
    }
    values.forEach((item, index) => {
      if (typeof item !== 'string') {
        throw new InvalidEventPatternError(`${path}[${index}]`, `${what} list must contain only strings, got ${describe(item)}`);
      }
    });
    return values as readonly string[];
  }
  throw new InvalidEventPatternError(path, `${what} must be a string or a list of strings, got ${describe(value)}`);
}

function requireFiniteNumber(value: unknown, path: string, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidEventPatternError(path, `${what} must be a finite number, got ${describe(value)}`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------------------------------

/**
 * How a pattern matched an event object or value: through a value the event holds ('present'), only through
 * `{"exists": false}` fields the event lacks ('absent'), or not at all ('no'). The difference decides which element of
 * an array of objects the pattern is about (matchNested).
 */
type Outcome = 'present' | 'absent' | 'no';

function matchObject(pattern: CompiledObject, event: JsonObject): Outcome {
  let outcome: Outcome = 'absent';
  for (const field of pattern.fields) {
    const value = fieldOf(event, field.key);
    const matched = field.node.kind === 'leaf' ? matchLeaf(field.node, value) : matchNested(field.node, value);
    if (matched === 'no') {
      return 'no';
    }
    if (matched === 'present') {
      outcome = 'present';
    }
  }
  for (const group of pattern.alternatives) {
    // Every alternative is tried: one that matches a value ties the pattern to this object, where an absence does not.
    const matched = group.map((alternative) => matchObject(alternative, event));
    if (matched.includes('present')) {
      outcome = 'present';
    } else if (!matched.includes('absent')) {
      return 'no';
    }
  }
  return outcome;
}

/** Result of scanning an event array: a match, no match, or no candidate (no leaf value / no object) at all. */
type Scan = 'matched' | 'not-matched' | 'nothing-there';

/**
 * A nested pattern against an array of objects. EventBridge's matcher (aws/event-ruler, which flattens `items[].name`
 * to the one key `items.name`) lets a pattern use fields of one array element only ("JSON Array Matching",
 * https://github.com/aws/event-ruler#json-array-matching), and judges `{"exists": false}` against every element that
 * no matched value has excluded: NameState.getNameTransitions counts each event field of that key that is
 * array-consistent with the fields matched so far (src/main/software/amazon/event/ruler/NameState.java, called from
 * ACFinder.tryMustNotExistMatch; ACMachineTest.testACWithExistFalseRule has the tied case). So:
 * - an element that matches through a value it holds is the one the pattern is about, and its own absences decide;
 * - otherwise nothing ties the pattern to an element, and its absences must hold in all of them: `{"items": {"name":
 *   [{"exists": false}]}}` matches no event where any element of `items` has `name`.
 * event-ruler visits keys in sorted order, so it judges an absence whose key sorts before every value-matched key of
 * the element against all elements; this matcher uses the matched element whatever the order, which agrees with
 * event-ruler when a value-matched key sorts first (`{"id": ["a"], "name": [{"exists": false}]}`).
 */
function matchNested(pattern: CompiledObject, value: unknown): Outcome {
  if (isJsonObject(value)) {
    return matchObject(pattern, value);
  }
  if (Array.isArray(value)) {
    if (scanArray(value, isJsonObject, (element) => matchObject(pattern, element) === 'present') === 'matched') {
      return 'present';
    }
    return absentFromEvery(pattern, objectsIn(value)) ? 'absent' : 'no';
  }
  // Absent, or a leaf value where the pattern expects an object: only absence patterns can match.
  return pattern.matchesAbsent ? 'absent' : 'no';
}

/**
 * Whether the pattern holds through absences alone in every one of the objects (all elements of an array, as one):
 * no object has a leaf value at any of its `exists: false` fields, and one alternative of each `$or` holds in all.
 * With no objects, this is `pattern.matchesAbsent`.
 */
function absentFromEvery(pattern: CompiledObject, objects: readonly JsonObject[]): boolean {
  const fieldsAbsent = pattern.fields.every((field) => {
    if (!field.node.matchesAbsent) {
      return false;
    }
    if (field.node.kind === 'leaf') {
      return objects.every((object) => !holdsLeafValue(fieldOf(object, field.key)));
    }
    return absentFromEvery(field.node, objects.flatMap((object) => objectsIn([fieldOf(object, field.key)])));
  });
  return fieldsAbsent && pattern.alternatives.every((group) => group.some((alternative) => absentFromEvery(alternative, objects)));
}

/** Whether an event value holds a leaf value (a scalar, or an array with one somewhere in it); exists tests leaves only. */
function holdsLeafValue(value: unknown): boolean {
  return isJsonScalar(value) || (Array.isArray(value) && scanArray(value, isJsonScalar, () => true) === 'matched');
}

/** The objects among the values, looking into arrays and arrays nested in them. */
function objectsIn(values: readonly unknown[]): JsonObject[] {
  const objects: JsonObject[] = [];
  for (const value of values) {
    if (isJsonObject(value)) {
      objects.push(value);
    } else if (Array.isArray(value)) {
      objects.push(...objectsIn(value));
    }
  }
  return objects;
}

function matchLeaf(leaf: CompiledLeaf, value: unknown): Outcome {
  if (isJsonScalar(value)) {
    return matchScalar(leaf, value) ? 'present' : 'no';
  }
  if (Array.isArray(value)) {
    const scan = scanArray(value, isJsonScalar, (element) => matchScalar(leaf, element));
    if (scan === 'matched') {
      return 'present';
    }
    return scan === 'nothing-there' && leaf.matchesAbsent ? 'absent' : 'no';
  }
  // Absent, or an object (exists matching works on leaf nodes only).
  return leaf.matchesAbsent ? 'absent' : 'no';
}

/** Scans an event array (and arrays nested in it) for a candidate element that matches. */
function scanArray<T>(values: readonly unknown[], isCandidate: (value: unknown) => value is T, match: (candidate: T) => boolean): Scan {
  let result: Scan = 'nothing-there';
  for (const element of values) {
    if (isCandidate(element)) {
      if (match(element)) {
        return 'matched';
      }
      result = 'not-matched';
    } else if (Array.isArray(element)) {
      const inner = scanArray(element, isCandidate, match);
      if (inner === 'matched') {
        return 'matched';
      }
      if (inner === 'not-matched') {
        result = 'not-matched';
      }
    }
  }
  return result;
}

function matchScalar(leaf: CompiledLeaf, value: JsonScalar): boolean {
  if (leaf.exact.has(value)) {
    return true;
  }
  for (const test of leaf.tests) {
    if (passes(test, value)) {
      return true;
    }
  }
  return false;
}

function passes(test: ValueTest, value: JsonScalar): boolean {
  switch (test.kind) {
    case 'exists':
      return true;
    case 'prefix':
      return typeof value === 'string' && value.startsWith(test.value);
    case 'prefix-ignore-case':
      return typeof value === 'string' && foldCase(value).startsWith(test.folded);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(test.value);
    case 'suffix-ignore-case':
      return typeof value === 'string' && foldCase(value).endsWith(test.folded);
    case 'equals-ignore-case':
      return typeof value === 'string' && foldCase(value) === test.folded;
    case 'wildcard':
      return typeof value === 'string' && matchesWildcard(test.parts, value);
    case 'numeric':
      return typeof value === 'number' && inRange(test.range, value);
    case 'cidr':
      return typeof value === 'string' && cidrHolds(test.cidr, value);
    case 'anything-but':
      return !test.excluded.has(value);
    case 'anything-but-prefix':
      return typeof value !== 'string' || !test.values.some((prefix) => value.startsWith(prefix));
    case 'anything-but-suffix':
      return typeof value !== 'string' || !test.values.some((suffix) => value.endsWith(suffix));
    case 'anything-but-ignore-case':
      return typeof value !== 'string' || !test.folded.has(foldCase(value));
    case 'anything-but-wildcard':
      return typeof value !== 'string' || !test.patterns.some((parts) => matchesWildcard(parts, value));
  }
}

function inRange(range: NumericRange, value: number): boolean {
  if (!Number.isFinite(value)) {
    return false;
  }
  const aboveLower = range.lowerInclusive ? value >= range.lower : value > range.lower;
  const belowUpper = range.upperInclusive ? value <= range.upper : value < range.upper;
  return aboveLower && belowUpper;
}

/** Linear-time glob match: literal parts must appear in order, the first anchored at the start, the last at the end. */
function matchesWildcard(parts: WildcardParts, value: string): boolean {
  const count = parts.length;
  const first = parts[0] as string;
  if (count === 1) {
    return value === first;
  }
  const last = parts[count - 1] as string;
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) {
    return false;
  }
  const end = value.length - last.length;
  let position = first.length;
  for (let index = 1; index < count - 1; index++) {
    const part = parts[index] as string;
    const found = value.indexOf(part, position);
    if (found < 0 || found + part.length > end) {
      return false;
    }
    position = found + part.length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------------

/** The event's own field (never one inherited from Object.prototype, such as `constructor`). */
function fieldOf(object: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isJsonScalar(value: unknown): value is JsonScalar {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function foldCase(value: string): string {
  return value.toLowerCase();
}








const SIMPLE_KEY = /^[A-Za-z0-9_$-]+$/;

function childPathOf(path: string, key: string): string {
  return SIMPLE_KEY.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function listKeys(keys: readonly string[]): string {
  return keys.length === 0 ? 'none' : keys.map(quote).join(', ');
}

function quote(text: string): string {
  return JSON.stringify(text);
}

function describe(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  if (value === null) {
    return 'null';
  }
  switch (typeof value) {
    case 'string':
      return `the string ${quote(value)}`;
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}
