/**
 * EventBridge event patterns (content filtering), evaluated locally. A pattern is compiled once
 * into a predicate; compiling is also the validation, so a pattern this module cannot evaluate
 * faithfully is refused with an error naming the problem, never silently matched or missed.
 *
 * Semantics follow EventBridge: pattern leaves are arrays whose elements are alternatives (OR);
 * fields of an object are all required (AND); a nested object recurses into the event; when the
 * event value is an array, the leaf matches if any element matches; a field missing from the
 * event (or not a leaf there, e.g. an object) fails every matcher except `{"exists": false}`.
 */

import { BlockList, isIP } from "node:net";

/** A predicate compiled from an event pattern. */
export type EventPatternMatcher = (event: unknown) => boolean;

/** Raised for a pattern EventBridge would reject, or one this matcher cannot evaluate. */
export class InvalidEventPatternError extends Error {
  override readonly name = "InvalidEventPatternError";
}

/** True if `event` matches `pattern`; throws {@link InvalidEventPatternError} on a bad pattern. */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compileEventPattern(pattern)(event);
}

/** Throws {@link InvalidEventPatternError} unless `pattern` is a valid, supported pattern. */
export function assertValidEventPattern(pattern: unknown): void {
  compileEventPattern(pattern);
}

/** Validates `pattern` (an object, or its JSON text) and compiles it into a reusable predicate. */
export function compileEventPattern(pattern: unknown): EventPatternMatcher {
  let parsed = pattern;
  if (typeof pattern === "string") {
    try {
      parsed = JSON.parse(pattern);
    } catch {
      throw new InvalidEventPatternError("Event pattern is not valid JSON");
    }
  }
  return compileObject(parsed, "");
}

/** A JSON scalar: what a pattern leaf compares against. */
type Scalar = string | number | boolean | null;
/** Matches one leaf of the event, given all its scalar values (several when it is an array). */
type LeafTest = (values: readonly Scalar[]) => boolean;
/** Matches one scalar value. */
type ValueTest = (value: Scalar) => boolean;

const NUMERIC_OPERATORS = new Set(["<", "<=", "=", ">", ">="]);

function compileObject(node: unknown, path: string): EventPatternMatcher {
  if (!isPlainObject(node)) fail(path, "must be a JSON object");
  const keys = Object.keys(node);
  if (keys.length === 0) fail(path, "must not be an empty object");
  const parts = keys.map((key): EventPatternMatcher => {
    const value = node[key];
    const at = join(path, key);
    if (key === "$or") return compileOr(value, at);
    if (Array.isArray(value)) {
      const leaf = compileLeaf(value, at);
      return (event) => leaf(leafValues(fieldOf(event, key)));
    }
    if (isPlainObject(value)) {
      const nested = compileObject(value, at);
      return (event) => matchNested(nested, fieldOf(event, key));
    }
    return fail(at, "must be an array of match values or a nested object");
  });
  return (event) => parts.every((part) => part(event));
}

function compileOr(value: unknown, path: string): EventPatternMatcher {
  // EventBridge wants at least two alternatives; we also read `$or` as the operator always,
  // never as a field literally named "$or".
  if (!Array.isArray(value) || value.length < 2) {
    fail(path, "must be an array of at least two pattern objects");
  }
  const alternatives = value.map((item, index) => compileObject(item, `${path}[${index}]`));
  return (event) => alternatives.some((alternative) => alternative(event));
}

/** A nested pattern meets an object, an array of objects (any may match), or nothing. */
function matchNested(nested: EventPatternMatcher, child: unknown): boolean {
  if (Array.isArray(child)) {
    const objects = flatten(child).filter(isPlainObject);
    // No object here: every field below is missing, which only `exists: false` accepts.
    return objects.length === 0 ? nested(undefined) : objects.some((item) => nested(item));
  }
  return nested(isPlainObject(child) ? child : undefined);
}

function compileLeaf(rules: readonly unknown[], path: string): LeafTest {
  if (rules.length === 0) fail(path, "must not be an empty array");
  const tests = rules.map((rule, index) => compileRule(rule, `${path}[${index}]`));
  return (values) => tests.some((test) => test(values));
}

function compileRule(rule: unknown, path: string): LeafTest {
  if (isScalar(rule)) {
    if (typeof rule === "number" && !Number.isFinite(rule)) fail(path, "must be a finite number");
    return anyValue((value) => value === rule);
  }
  if (!isPlainObject(rule)) fail(path, "must be a string, number, boolean, null or an operator");
  const operator = singleKey(rule, path);
  const operand = rule[operator];
  const at = `${path}.${operator}`;
  switch (operator) {
    case "exists":
      if (typeof operand !== "boolean") fail(at, "must be true or false");
      return operand ? (values) => values.length > 0 : (values) => values.length === 0;
    case "prefix":
      return anyValue(compileAffix(operand, at, "prefix"));
    case "suffix":
      return anyValue(compileAffix(operand, at, "suffix"));
    case "equals-ignore-case":
      return anyValue(ignoreCaseTest(requireString(operand, at)));
    case "wildcard":
      return anyValue(wildcardTest(requireString(operand, at), at));
    case "numeric":
      return anyValue(compileNumeric(operand, at));
    case "cidr":
      return anyValue(compileCidr(operand, at));
    case "anything-but": {
      const excluded = compileAnythingBut(operand, at);
      // Like every matcher but `exists: false`, anything-but needs the field to be present.
      return anyValue((value) => !excluded(value));
    }
    default:
      return fail(path, `unsupported operator "${operator}"`);
  }
}

/** `prefix` / `suffix` with a string, or `{"equals-ignore-case": string}`. */
function compileAffix(operand: unknown, path: string, kind: "prefix" | "suffix"): ValueTest {
  const fits = (value: string, affix: string) =>
    kind === "prefix" ? value.startsWith(affix) : value.endsWith(affix);
  if (typeof operand === "string") {
    return (value) => typeof value === "string" && fits(value, operand);
  }
  if (isPlainObject(operand) && singleKey(operand, path) === "equals-ignore-case") {
    const folded = requireString(operand["equals-ignore-case"], `${path}.equals-ignore-case`);
    return (value) => typeof value === "string" && fits(fold(value), fold(folded));
  }
  return fail(path, `must be a string or {"equals-ignore-case": string}`);
}

/** The values `anything-but` excludes, as a positive test. */
function compileAnythingBut(operand: unknown, path: string): ValueTest {
  if (typeof operand === "string" || typeof operand === "number") {
    if (typeof operand === "number" && !Number.isFinite(operand)) fail(path, "must be finite");
    return (value) => value === operand;
  }
  if (Array.isArray(operand)) {
    const allStrings = operand.every((item) => typeof item === "string");
    const allNumbers = operand.every((item) => typeof item === "number" && Number.isFinite(item));
    if (operand.length === 0 || !(allStrings || allNumbers)) {
      fail(path, "must be a non-empty list of only strings or only numbers");
    }
    const excluded = new Set<unknown>(operand);
    return (value) => excluded.has(value);
  }
  if (!isPlainObject(operand)) {
    return fail(path, "must be a string, a number, a list of them, or an operator object");
  }
  const operator = singleKey(operand, path);
  const inner = operand[operator];
  const at = `${path}.${operator}`;
  switch (operator) {
    case "prefix":
    case "suffix":
      // One affix or a list of them (as CDK's Match.anythingButPrefix emits), case-sensitive.
      return anyOf(stringOrList(inner, at).map((text) => compileAffix(text, at, operator)));
    case "equals-ignore-case":
      return anyOf(stringOrList(inner, at).map((text) => ignoreCaseTest(text)));
    case "wildcard":
      return anyOf(stringOrList(inner, at).map((text) => wildcardTest(text, at)));
    default:
      return fail(path, `unsupported anything-but operator "${operator}"`);
  }
}

/** `numeric`: `[op, n]`, or a range `[">" | ">=", low, "<" | "<=", high]`. */
function compileNumeric(operand: unknown, path: string): ValueTest {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    fail(path, `must be [operator, number] or [">"|">=", low, "<"|"<=", high]`);
  }
  const bounds: ValueTest[] = [];
  for (let index = 0; index < operand.length; index += 2) {
    const operator: unknown = operand[index];
    const limit: unknown = operand[index + 1];
    if (typeof operator !== "string" || !NUMERIC_OPERATORS.has(operator)) {
      fail(path, `unknown numeric operator ${JSON.stringify(operator)}`);
    }
    if (typeof limit !== "number" || !Number.isFinite(limit)) {
      fail(path, `numeric operand after "${operator}" must be a finite number`);
    }
    bounds.push(numericBound(operator, limit));
  }
  if (operand.length === 4) {
    // EventBridge reads a range as a lower bound followed by an upper bound, nothing else.
    const [low, lowValue, high, highValue] = operand as [string, number, string, number];
    const isRange = (low === ">" || low === ">=") && (high === "<" || high === "<=");
    if (!isRange || lowValue >= highValue) {
      fail(path, "a numeric range is a lower bound (>, >=) then a greater upper bound (<, <=)");
    }
  }
  return (value) => typeof value === "number" && bounds.every((bound) => bound(value));
}

function numericBound(operator: string, limit: number): ValueTest {
  switch (operator) {
    case "<":
      return (value) => (value as number) < limit;
    case "<=":
      return (value) => (value as number) <= limit;
    case "=":
      return (value) => value === limit;
    case ">":
      return (value) => (value as number) > limit;
    default:
      return (value) => (value as number) >= limit;
  }
}

/** `cidr`: an IPv4 or IPv6 block; the event value must be an address inside it. */
function compileCidr(operand: unknown, path: string): ValueTest {
  const text = requireString(operand, path);
  const slash = text.indexOf("/");
  const address = slash < 0 ? "" : text.slice(0, slash);
  const bits = slash < 0 ? Number.NaN : Number(text.slice(slash + 1));
  const family = isIP(address);
  const maxBits = family === 4 ? 32 : 128;
  if (family === 0 || !/^\d+$/.test(text.slice(slash + 1)) || bits > maxBits) {
    fail(path, `"${text}" is not a CIDR block such as 10.0.0.0/24`);
  }
  const type = family === 4 ? "ipv4" : "ipv6";
  const block = new BlockList();
  block.addSubnet(address, bits, type);
  return (value) => typeof value === "string" && isIP(value) === family && block.check(value, type);
}

/** `wildcard`: `*` matches any run of characters; `\*` and `\\` are a literal `*` and `\`. */
function wildcardTest(pattern: string, path: string): ValueTest {
  let source = "";
  let previousWasWildcard = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern.charAt(index);
    if (char === "*") {
      if (previousWasWildcard) fail(path, "consecutive wildcard characters are not allowed");
      source += ".*";
      previousWasWildcard = true;
      continue;
    }
    let literal = char;
    if (char === "\\") {
      const next = pattern.charAt(index + 1);
      if (next !== "*" && next !== "\\") fail(path, `"\\" must be followed by "*" or "\\"`);
      literal = next;
      index++;
    }
    source += literal.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    previousWasWildcard = false;
  }
  const regex = new RegExp(`^${source}$`, "s");
  return (value) => typeof value === "string" && regex.test(value);
}

function ignoreCaseTest(text: string): ValueTest {
  const folded = fold(text);
  return (value) => typeof value === "string" && fold(value) === folded;
}

function fold(text: string): string {
  return text.toLowerCase();
}

/** A leaf test true when any of the field's values passes `test`. */
function anyValue(test: ValueTest): LeafTest {
  return (values) => values.some(test);
}

function anyOf(tests: readonly ValueTest[]): ValueTest {
  return (value) => tests.some((test) => test(value));
}

/** The scalar values of an event field: none when missing or not a leaf; arrays flattened. */
function leafValues(field: unknown): Scalar[] {
  if (Array.isArray(field)) return flatten(field).filter(isScalar);
  return isScalar(field) ? [field] : [];
}

function fieldOf(event: unknown, key: string): unknown {
  return isPlainObject(event) && Object.hasOwn(event, key) ? event[key] : undefined;
}

function flatten(items: readonly unknown[]): unknown[] {
  return items.flatMap((item) => (Array.isArray(item) ? flatten(item) : [item]));
}

function singleKey(node: Record<string, unknown>, path: string): string {
  const keys = Object.keys(node);
  const [key] = keys;
  if (key === undefined || keys.length !== 1) {
    fail(path, `an operator object has exactly one operator, got ${JSON.stringify(keys)}`);
  }
  return key;
}

function stringOrList(operand: unknown, path: string): string[] {
  if (typeof operand === "string") return [operand];
  if (
    Array.isArray(operand) &&
    operand.length > 0 &&
    operand.every((item) => typeof item === "string")
  ) {
    return operand;
  }
  return fail(path, "must be a string or a non-empty list of strings");
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== "string") fail(path, "must be a string");
  return value;
}

function isScalar(value: unknown): value is Scalar {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean"
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function fail(path: string, problem: string): never {
  throw new InvalidEventPatternError(`Event pattern ${path || "(root)"}: ${problem}`);
}
