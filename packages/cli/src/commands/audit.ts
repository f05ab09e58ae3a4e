import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import {
  EXPORT_FORMATS,
  isAuditError,
  MAX_ENTRIES_PER_READ,
  NOTE_MAX_BYTES,
  openCheckpoint,
  parseCheckpoint,
  parseFilter,
  parseNote,
  readEntries,
  readHead,
  vkeyVerifier,
  type AuditEvent,
  type Checkpoint,
  type EventFilter,
  type NoteVerifier,
  type StoredEntry,
} from '@onegate/audit';
import type { Store } from '@onegate/store';
import { withAudit } from '../audit-context.ts';
import {
  verifyExport,
  verifyStored,
  type ExportVerifyReport,
  type VerifyFailure,
  type VerifyReport,
} from '../audit-verify.ts';
import { collect, EXIT_CODES_HELP, printJson, printLines, refuse, usageErrorsExit2 } from '../context.ts';

/** `leaves`: every entry's exact bytes in index order, what the offline verifier reads. */
const FORMATS = [...EXPORT_FORMATS, 'leaves'] as const;
type CliExportFormat = (typeof FORMATS)[number];

const DEFAULT_TAIL = 10;
const FOLLOW_INTERVAL_MS = 1000;

const VERIFY_EXIT_CODES = `
Exit codes: 0 everything verified; 1 something did not verify (the first bad
entry index is printed when the failure points at entries) or the check could
not run; 2 bad invocation.`;

/**
 * `onegate audit …`: verify the tamper-evident log (stored or exported),
 * export and follow it, sign and print checkpoints and the verifier key
 * (see docs/audit.md#the-onegate-audit-command). Reading and verifying need
 * no KEK; only `checkpoint` and `key` open the sealed signing key.
 */
export function registerAudit(program: Command): void {
  const audit = usageErrorsExit2(
    program
      .command('audit')
      .description('verify, export and follow the tamper-evident audit log; sign and print checkpoints'),
  );

  audit
    .command('verify')
    .description(
      'recompute the whole log from its stored entries and check every signed checkpoint; or, with --export, check an export against a checkpoint offline',
    )
    .option(
      '--export <file>',
      'offline: a leaves export (`onegate audit export --format leaves`), no database',
    )
    .option('--checkpoint <file>', 'offline: the signed checkpoint note to check the export against')
    .option(
      '--key <vkey>',
      'a checkpoint verifier key, Ed25519 or SM2 (`onegate audit key`, published out of band); repeatable',
      collect,
    )
    .option('--key-file <file>', 'a file of verifier keys, one per line')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `${examples(
        'onegate audit verify',
        'onegate audit verify --key "$(cat published-audit.vkey)"',
        'onegate audit verify --export leaves.jsonl --checkpoint checkpoint.txt --key-file published-audit.vkey',
      )}

Against the database, every leaf, stored node and the tree head are recomputed
from the stored entries, then every stored checkpoint is checked: its
signature, its root against the stored tree of its size, and its consistency
with the checkpoint before it. Without --key the signatures are checked with
the keys stored in the database; give the key your organisation published to
check them with a key the database cannot swap. Either key of a GM
deployment (Ed25519 or SM2) is enough: a checkpoint verifies when every line
of a given key verifies and there is at least one.

Offline (--export with --checkpoint and a key), the root of the export's first
"size" entries is recomputed and compared with the checkpoint's signed root.
${VERIFY_EXIT_CODES}`,
    )
    .action(
      async (options: {
        export?: string;
        checkpoint?: string;
        key?: string[];
        keyFile?: string;
        json?: boolean;
      }) => {
        const pinned = parseVerifierKeys(options.key, options.keyFile);
        if (options.export !== undefined || options.checkpoint !== undefined) {
          if (options.export === undefined || options.checkpoint === undefined) {
            refuse('offline verification takes both --export <file> and --checkpoint <file>');
          }
          if (pinned === undefined) {
            refuse('offline verification needs the verifier key: --key <vkey> or --key-file <file>');
          }
          return verifyOffline(options.export, options.checkpoint, pinned, options.json === true);
        }
        return withAudit(async ({ store, audit, storedVerifiers }) => {
          const verifiers = pinned ?? (await storedVerifiers());
          const report = await verifyStored(store, audit, verifiers);
          const keys = pinned
            ? `${plural(pinned.length, 'key')} given`
            : `${plural(verifiers.length, 'key')} stored in the database`;
          if (options.json) printJson(report);
          else printLines(describeVerify(report, keys));
          if (!report.ok) failed(report);
        });
      },
    );

  audit
    .command('export')
    .description('stream events to standard output or a file, newest first; or every entry raw (leaves)')
    .option(
      '--format <format>',
      `${FORMATS.join(', ')}: JSON lines, CSV (safe to open in a spreadsheet), OCSF JSON lines, or every entry's exact bytes in index order for \`audit verify --export\``,
      'jsonl',
    )
    .option('--from <time>', 'events appended at or after this RFC 3339 time')
    .option('--to <time>', 'events appended before this RFC 3339 time')
    .option('--action <action>', 'only this action, e.g. login or privacy.decrypt')
    .option('--actor <id>', 'only this actor id')
    .option('--subject <id>', 'only events touching this data subject')
    .option('--outcome <outcome>', 'success, failure or denied')
    .option('--department <id>', "only this actor's department")
    .option('--client-id <id>', 'only events from this app')
    .option('--purpose <purpose>', 'only this purpose of use')
    .option('--output <file>', 'write to this file (created 0600) instead of standard output')
    .addHelpText(
      'after',
      `${examples(
        'onegate audit export --from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z --format csv --output november.csv',
        'onegate audit export --subject 5f0c2a7e-91d4-4e8b-a0b1-3c9d7e2f4a61',
        'onegate audit checkpoint > checkpoint.txt && onegate audit export --format leaves --output leaves.jsonl',
      )}

Filters combine (every one must match) and apply to jsonl, csv and ocsf.
leaves takes no filter: a verifier needs every entry. It holds the entries of
the log when the export starts, so sign or fetch the checkpoint first: the
export then covers it.
${EXIT_CODES_HELP}`,
    )
    .action(async (options: ExportOptions) => {
      const format = parseFormat(options.format);
      const filter = parseExportFilter(options);
      if (format === 'leaves' && Object.keys(filter).length > 0) {
        refuse('--format leaves takes no filter: a verifier needs every entry');
      }
      const out = await openOutput(options.output);
      await withAudit(async ({ store, audit, recordExport }) => {
        // Recorded before anything leaves, as the HTTP API does; a leaves export then holds its own record.
        await recordExport({ format, filter: describeFilter(filter) });
        let written = 0;
        if (format === 'leaves') {
          written = await exportLeaves(store, out);
        } else {
          let header = format === 'csv';
          for await (const line of audit.export(filter, format)) {
            if (!(await out.write(line))) break;
            if (header) header = false;
            else written++;
          }
        }
        await out.end();
        if (options.output !== undefined) {
          process.stderr.write(
            `onegate: exported ${plural(written, 'entry', 'entries')} to ${options.output}\n`,
          );
        }
      });
    });

  audit
    .command('tail')
    .description('print the newest events, one line each; --follow keeps printing new ones until Ctrl-C')
    .option(
      '-n, --lines <n>',
      `how many of the newest events, 1 to ${MAX_ENTRIES_PER_READ}`,
      String(DEFAULT_TAIL),
    )
    .option('-f, --follow', 'then print new events as they are appended (checks every second) until Ctrl-C')
    .option('--json', 'print each event as a JSON line {"index", "event"}')
    .addHelpText(
      'after',
      `${examples('onegate audit tail', 'onegate audit tail -n 50 --follow')}

Each line: event time, index, outcome, action, actor (type:id@department), and
the data subject, resource and app when the event names them. Personal data in
reasons and details was masked when the event was written.
${EXIT_CODES_HELP}`,
    )
    .action((options: { lines: string; follow?: boolean; json?: boolean }) => {
      const count = parseCount(options.lines);
      return withAudit(async ({ store }) => {
        const out = await openOutput(undefined);
        const print = (entry: StoredEntry) =>
          out.write(`${options.json ? jsonLine(entry) : summary(entry)}\n`);
        const { size } = await readHead(store);
        const open = await eachEntry(store, Math.max(0, size - count), size, print);
        if (open && options.follow) await follow(store, size, print);
      });
    });

  audit
    .command('checkpoint')
    .description('sign the current tree head (if not signed yet) and print the checkpoint note')
    .option('--json', 'print origin, size, root, time and the note as JSON')
    .addHelpText(
      'after',
      `${examples('onegate audit checkpoint', 'onegate audit checkpoint > checkpoint.txt')}

The note is a C2SP signed checkpoint (c2sp.org/tlog-checkpoint): origin, tree
size, base64 root, a timestamp line, an empty line, then the signature (an
Ed25519 line, and an SM2 line where auditCheckpointSm2 is on). Check it with
the verifier key of \`onegate audit key\`. Needs the privacy KEK, which seals
the signing key.
${EXIT_CODES_HELP}`,
    )
    .action((options: { json?: boolean }) =>
      withAudit(
        async ({ audit }) => {
          const note = await audit.checkpoint();
          if (!options.json) return void process.stdout.write(note);
          const { origin, size, root, time } = parseCheckpoint(parseNote(note).text);
          printJson({ origin, size, root: root.toString('base64'), time, note });
        },
        { sign: true },
      ),
    );

  audit
    .command('key')
    .description('print the verifier keys (C2SP vkeys) that check checkpoints, one per line: publish them')
    .option('--type <type>', 'only the key of this kind: ed25519, or sm2 where auditCheckpointSm2 is on')
    .option('--json', 'print the origin and the vkeys as JSON')
    .option('--rotate', 'make new signing keys first (old checkpoints stay checkable); audited')
    .addHelpText(
      'after',
      `${examples(
        'onegate audit key > published-audit.vkey',
        'onegate audit key --rotate > published-audit.vkey',
        'onegate audit key --type sm2',
      )}

Prints the Ed25519 vkey, then the SM2 vkey where auditCheckpointSm2 is on: a
file of them is what \`audit verify --key-file\` reads. Publish them apart from
OneGate (a website, a signed letter): a verifier who takes a key from the same
database it checks trusts that database. The first run makes the signing
keys, sealed under the privacy KEK; --rotate replaces every kind at once.
${EXIT_CODES_HELP}`,
    )
    .action((options: { type?: string; json?: boolean; rotate?: boolean }) => {
      const type = options.type;
      if (type !== undefined && type !== 'ed25519' && type !== 'sm2') refuse('--type is ed25519 or sm2');
      return withAudit(
        async ({ audit }) => {
          if (options.rotate) await audit.rotateKey('operator');
          const vkeys = type === undefined ? await audit.vkeys() : [await audit.vkey(type)];
          if (!options.json) return printLines(vkeys);
          const [vkey, sm2] = type === 'sm2' ? [undefined, vkeys[0]] : vkeys;
          printJson({
            origin: audit.origin,
            ...(vkey === undefined ? {} : { vkey }),
            ...(sm2 === undefined ? {} : { sm2Vkey: sm2 }),
          });
        },
        { sign: true },
      );
    });
}

// ---- verify

function parseVerifierKeys(
  keys: string[] | undefined,
  keyFile: string | undefined,
): NoteVerifier[] | undefined {
  const texts = [...(keys ?? [])];
  if (keyFile !== undefined) {
    if (!existsSync(keyFile)) refuse(`--key-file: no file ${keyFile}`);
    texts.push(
      ...readFileSync(keyFile, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== ''),
    );
    if (texts.length === 0) refuse(`--key-file: ${keyFile} holds no key`);
  }
  if (texts.length === 0) return undefined;
  return texts.map((text) => {
    try {
      return vkeyVerifier(text);
    } catch (err) {
      if (!isAuditError(err)) throw err;
      return refuse(
        'a verifier key is name+keyid+base64 key (Ed25519 or SM2), as `onegate audit key` prints it',
      );
    }
  });
}

async function verifyOffline(
  exportFile: string,
  checkpointFile: string,
  verifiers: NoteVerifier[],
  json: boolean,
): Promise<void> {
  for (const file of [exportFile, checkpointFile]) {
    if (!existsSync(file) || !statSync(file).isFile()) refuse(`no file ${file}`);
  }
  if (statSync(checkpointFile).size > NOTE_MAX_BYTES) {
    return notVerified(json, `${checkpointFile} is not a checkpoint note: it is too large`);
  }
  let checkpoint: Checkpoint;
  try {
    checkpoint = openCheckpoint(readFileSync(checkpointFile), verifiers);
  } catch (err) {
    if (!isAuditError(err)) throw err;
    return notVerified(
      json,
      err.code === 'ERR_AUDIT_VERIFY'
        ? `the checkpoint's signature does not verify with the given key`
        : `${checkpointFile} is not a signed checkpoint note`,
    );
  }
  const report = await verifyExport(exportFile, checkpoint);
  if (json) printJson(report);
  else printLines(describeExportVerify(report, checkpoint));
  if (!report.ok) failed(report);
}

/** A failure before any entry was read: the checkpoint itself. */
function notVerified(json: boolean, reason: string): void {
  const failure: VerifyFailure = { check: 'checkpoint', reason };
  if (json) printJson({ ok: false, failures: [failure] });
  else printLines([`FAILED: ${reason}`]);
  failed({ failures: [failure] });
}

function failed(report: { firstBadIndex?: number; failures: VerifyFailure[] }): void {
  const where =
    report.firstBadIndex === undefined
      ? report.failures[0]!.reason
      : `first bad index ${report.firstBadIndex}`;
  process.stderr.write(`onegate: the audit log does not verify (${where})\n`);
  process.exitCode = 1;
}

function describeVerify(report: VerifyReport, keys: string): string[] {
  const lines = [
    `entries:     ${report.size.toLocaleString('en')} recomputed from the stored leaves in ${report.seconds.toFixed(2)} s (${rate(report.entriesPerSecond)} entries/s): leaves, nodes, tree head`,
    `checkpoints: ${report.checkpoints.toLocaleString('en')} checked: signature (${keys}), root, consistency with the one before`,
  ];
  if (report.ok) return [...lines, `root:        ${report.root}`, 'ok: the log verifies'];
  return [...lines, failureHeadline(report), ...report.failures.map(describeFailure)];
}

function describeExportVerify(report: ExportVerifyReport, checkpoint: Checkpoint): string[] {
  const lines = [
    `checkpoint:  ${checkpoint.origin}, size ${checkpoint.size.toLocaleString('en')}, signature verified with the given key`,
    `export:      ${report.size.toLocaleString('en')} entries hashed in ${report.seconds.toFixed(2)} s (${rate(report.entriesPerSecond)} entries/s)${report.pruned > 0 ? `; ${plural(report.pruned, 'entry', 'entries')} pruned by retention, taken by their leaf hash` : ''}`,
  ];
  if (report.ok) return [...lines, `root:        ${report.root}`, 'ok: the export matches the checkpoint'];
  return [...lines, failureHeadline(report), ...report.failures.map(describeFailure)];
}

function failureHeadline(report: { firstBadIndex?: number }): string {
  return report.firstBadIndex === undefined
    ? 'FAILED:'
    : `FAILED: the first entry that cannot be trusted is index ${report.firstBadIndex}`;
}

function describeFailure(f: VerifyFailure): string {
  const what = f.size === undefined ? f.check : `${f.check} of size ${f.size}`;
  const at = f.firstBadIndex === undefined ? '' : ` (index ${f.firstBadIndex})`;
  return `  ${what}: ${f.reason}${at}`;
}

// ---- export

interface ExportOptions {
  format: string;
  from?: string;
  to?: string;
  action?: string;
  actor?: string;
  subject?: string;
  outcome?: string;
  department?: string;
  clientId?: string;
  purpose?: string;
  output?: string;
}

function parseFormat(text: string): CliExportFormat {
  const format = FORMATS.find((f) => f === text);
  if (!format) refuse(`--format must be one of ${FORMATS.join(', ')}`);
  return format;
}

function parseExportFilter(options: ExportOptions): EventFilter {
  const { from, to, action, actor, subject, outcome, department, clientId, purpose } = options;
  try {
    return parseFilter({ from, to, action, actor, subject, outcome, department, clientId, purpose });
  } catch (err) {
    if (!isAuditError(err)) throw err;
    return refuse(`--${err.message.replace('clientId', 'client-id')}`);
  }
}

/** The filter as an officer reads it back: times as RFC 3339, the rest as given. */
function describeFilter(filter: EventFilter): Record<string, string> {
  return Object.fromEntries(
    Object.entries(filter).map(([key, value]: [string, string | number]) => [
      key,
      key === 'from' || key === 'to' ? new Date(value).toISOString() : String(value),
    ]),
  );
}

interface Output {
  /** Resolves false once the reader has gone (a closed pipe): stop writing. */
  write(text: string): Promise<boolean>;
  end(): Promise<void>;
}

/** Standard output or a new 0600 file, written with back-pressure so a large export never piles up in memory. */
async function openOutput(file: string | undefined): Promise<Output> {
  let stream: Writable = process.stdout;
  let gone = false;
  let failure: Error | undefined;
  if (file !== undefined) {
    const fileStream = createWriteStream(file, { mode: 0o600 });
    try {
      await once(fileStream, 'open');
    } catch {
      refuse(`--output: cannot write ${file}`);
    }
    stream = fileStream;
  }
  stream.on('error', (err: NodeJS.ErrnoException) => {
    gone = true;
    if (err.code !== 'EPIPE') failure = err;
  });
  const check = () => {
    if (failure) throw new Error(`cannot write ${file ?? 'standard output'}`, { cause: failure });
    return !gone;
  };
  return {
    async write(text) {
      if (!check()) return false;
      if (!stream.write(text)) await Promise.race([once(stream, 'drain'), once(stream, 'error')]);
      return check();
    },
    async end() {
      if (file !== undefined && !gone) {
        stream.end();
        await once(stream, 'finish');
      }
      check();
    },
  };
}

/**
 * One line per entry, in index order: `{"index", "leaf"}` with the exact
 * bytes, or `{"index", "leafHash", "pruned": true}` for an entry whose body
 * retention removed (its leaf hash still stands for it in the tree).
 */
async function exportLeaves(store: Store, out: Output): Promise<number> {
  const { size } = await readHead(store);
  let written = 0;
  await eachEntry(store, 0, size, async (entry) => {
    const line = entry.pruned
      ? { index: entry.index, leafHash: entry.leafHash.toString('base64'), pruned: true }
      : { index: entry.index, leaf: entry.leaf.toString('base64') };
    const wrote = await out.write(`${JSON.stringify(line)}\n`);
    if (wrote) written++;
    return wrote;
  });
  return written;
}

// ---- tail

function parseCount(text: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : 0;
  if (n < 1 || n > MAX_ENTRIES_PER_READ) refuse(`-n takes a whole number from 1 to ${MAX_ENTRIES_PER_READ}`);
  return n;
}

/** Entries `[from, to)` in index order, a page at a time, until `use` says false (the reader has gone). */
async function eachEntry(
  store: Store,
  from: number,
  to: number,
  use: (entry: StoredEntry) => Promise<boolean>,
): Promise<boolean> {
  for (let start = from; start < to; start += MAX_ENTRIES_PER_READ) {
    for (const entry of await readEntries(store, start, Math.min(start + MAX_ENTRIES_PER_READ, to))) {
      if (!(await use(entry))) return false;
    }
  }
  return true;
}

/** Prints what is appended after `size` every second until Ctrl-C or SIGTERM (exit 0). */
async function follow(
  store: Store,
  size: number,
  print: (entry: StoredEntry) => Promise<boolean>,
): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let seen = size;
    while (!stop.signal.aborted) {
      await sleep(FOLLOW_INTERVAL_MS, undefined, { signal: stop.signal }).catch(() => undefined);
      if (stop.signal.aborted) break;
      const head = await readHead(store);
      if (head.size < seen) {
        process.stderr.write(
          `onegate: the log shrank from ${seen} to ${head.size} entries: it was tampered with; run \`onegate audit verify\`\n`,
        );
        process.exitCode = 1;
        return;
      }
      if (!(await eachEntry(store, seen, head.size, print))) return;
      seen = head.size;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** One line: time, index, outcome, action, actor, and whom and what it touched. */
function summary({ index, leaf, pruned }: StoredEntry): string {
  if (pruned) return `#${index}  (pruned by retention: only its leaf hash remains)`;
  const event = asEvent(leaf);
  if (!event) return `#${index}  (${leaf.length} bytes, not an audit event)`;
  const actor = `${event.actor.type}:${event.actor.id}${event.actor.department ? `@${event.actor.department}` : ''}`;
  const parts = [String(event.time), `#${index}`, String(event.outcome).padEnd(7), event.action, actor];
  if (event.target?.subject) parts.push(`subject=${event.target.subject}`);
  if (event.target?.resource) parts.push(`resource=${event.target.resource}`);
  if (event.source?.clientId) parts.push(`app=${event.source.clientId}`);
  return parts.map(printable).join('  ');
}

/** A leaf written around the schema could carry terminal escapes: C0, DEL and C1 controls become `?`. */
function printable(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? '?' : char;
  }
  return out;
}

function jsonLine({ index, leaf, pruned }: StoredEntry): string {
  if (pruned) return JSON.stringify({ index, pruned });
  const event = asEvent(leaf);
  return JSON.stringify(event ? { index, event } : { index, leaf: leaf.toString('base64') });
}

function asEvent(leaf: Buffer): AuditEvent | undefined {
  try {
    const event = JSON.parse(leaf.toString('utf8')) as AuditEvent;
    return typeof event?.action === 'string' && typeof event.actor?.id === 'string' ? event : undefined;
  } catch {
    return undefined;
  }
}

// ---- output

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

function rate(perSecond: number): string {
  return Math.round(perSecond).toLocaleString('en');
}
