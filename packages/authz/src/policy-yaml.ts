import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml';
import { AuthzError } from './errors.ts';

/**
 * Reading the YAML files of `policies/` strictly: YAML 1.2's core schema (so
 * `yes` stays a string and dates stay text), no duplicate keys, one document
 * per file, and every problem tied to a file and line an operator can open.
 */

export interface PolicyProblem {
  file: string;
  line?: number | undefined;
  /** What the problem is about, e.g. `rule hz-clerk-read` or `checks[3]`. */
  entity?: string | undefined;
  message: string;
}

/** `file:line: entity: message`. */
export function formatProblem(p: PolicyProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return p.entity === undefined ? `${where}: ${p.message}` : `${where}: ${p.entity}: ${p.message}`;
}

/** Every problem found in a set of policy files, one per line of the message. */
export class PolicyFileError extends AuthzError {
  readonly problems: readonly PolicyProblem[];

  constructor(problems: readonly PolicyProblem[]) {
    super('ERR_AUTHZ_INVALID', problems.map(formatProblem).join('\n'));
    this.name = 'PolicyFileError';
    this.problems = problems;
  }
}

export type YamlPath = ReadonlyArray<string | number>;

export interface YamlFile {
  file: string;
  /** The document as plain data; `null` for an empty file. */
  value: unknown;
  /** 1-based line where the node at `path` starts. */
  lineOf(path: YamlPath): number | undefined;
}

export async function readYamlFile(file: string, problems: PolicyProblem[]): Promise<YamlFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push({ file, message: code === 'ENOENT' ? 'no such file' : `cannot be read (${code})` });
    return undefined;
  }
  return parseYaml(text, file, problems);
}

export function parseYaml(text: string, file: string, problems: PolicyProblem[]): YamlFile | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, schema: 'core', uniqueKeys: true, prettyErrors: false });
  const issues = [...doc.errors, ...doc.warnings];
  if (issues.length > 0) {
    for (const issue of issues) {
      const line = lineCounter.linePos(issue.pos[0]).line;
      problems.push({ file, line, message: firstLine(issue.message) });
    }
    return undefined;
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    problems.push({ file, message: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
  return {
    file,
    value,
    lineOf(path) {
      // A key's own line, where the path ends in one: its value may start lines later.
      const last = path.at(-1);
      const parent: unknown = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
      const pair = isMap(parent)
        ? parent.items.find((p) => isScalar(p.key) && p.key.value === last)
        : undefined;
      const node: unknown = typeof last === 'string' && pair ? pair.key : doc.getIn(path, true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      return range ? lineCounter.linePos(range[0]).line : undefined;
    },
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

export function invalid(message: string): never {
  throw new AuthzError('ERR_AUTHZ_INVALID', message);
}

/** A YAML mapping as a record, or an error naming what it should have been. */
export function mapping(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(`${what} must be a mapping`);
  return value as Record<string, unknown>;
}

/** A YAML list; a key with nothing after it counts as an empty list. */
export function sequence(value: unknown, what: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) invalid(`${what} must be a list`);
  return value;
}

/** An unknown key, with the key so that the caller can point at its line. */
export class UnknownKeyError extends AuthzError {
  readonly key: string;

  constructor(key: string, message: string) {
    super('ERR_AUTHZ_INVALID', message);
    this.key = key;
  }
}

/**
 * Refuses keys outside `allowed`: a misspelt `minAcr` or `except` silently
 * ignored would widen or narrow access without anyone noticing.
 */
export function onlyKeys(value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const distance = (a: string) => (a.toLowerCase() === key.toLowerCase() ? 0 : editDistance(a, key));
    const near = [...allowed].sort((a, b) => distance(a) - distance(b)).find((a) => distance(a) <= 2);
    const hint = near === undefined ? `known keys: ${allowed.join(', ')}` : `did you mean "${near}"?`;
    throw new UnknownKeyError(key, `unknown key "${printable(key)}" (${hint})`);
  }
}

/** The line of the unknown key when `err` is about one, else `fallback`. */
export function lineOfError(yaml: YamlFile, path: YamlPath, err: unknown, fallback: number | undefined) {
  return (err instanceof UnknownKeyError ? yaml.lineOf([...path, err.key]) : undefined) ?? fallback;
}

/** A value safe to echo in a message: short and plain, else nothing. */
export function printable(value: unknown): string {
  return typeof value === 'string' && /^[\w.@:~/-]{1,80}$/.test(value) ? value : '…';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = row;
  }
  return previous[b.length]!;
}
