import type { Command } from 'commander';
import {
  isKeyId,
  isKeyVersion,
  rewrapColumn,
  rewrapStatus,
  SubjectKeys,
  subjectKeyId,
  type CipherAlgorithm,
  type EncryptedColumn,
  type KeyChainInfo,
  type KeyVersionInfo,
  type RewrapResult,
} from '@onegate/privacy';
import {
  collect,
  EXIT_CODES_HELP,
  fields,
  isoDate,
  printJson,
  printLines,
  refuse,
  table,
  usageErrorsExit2,
  yesNo,
} from '../context.ts';
import { ownEncryptedColumns } from '../encrypted-columns.ts';
import { OPERATOR, PREVIOUS_KEK_ENV, withKeyring } from '../privacy-context.ts';

const ALGORITHMS: readonly CipherAlgorithm[] = ['aes-256-gcm', 'sm4-ctr-hmac-sm3'];
const DEFAULT_BATCH_SIZE = 500;
const MAX_BATCH_SIZE = 10_000;
/** 128 + SIGINT: the shell's code for a run stopped by Ctrl-C. */
const INTERRUPTED = 130;

const KEYS_EXIT_CODES = `${EXIT_CODES_HELP}
Key errors end with their code in brackets, e.g. [ERR_PRIVACY_KEY_NOT_FOUND]:
a malformed key id, version or a change the keyring refuses is exit 2; a key
or version that does not exist, was shredded, or a KEK that does not fit is 1.
Every change is written to the audit log with actor "operator".`;

/**
 * `onegate privacy keys …` and `onegate privacy kek rewrap`: the operator's
 * side of the keyring (see docs/privacy.md#operator-commands). Arguments
 * are checked before the database is opened; every change is made and
 * audited by the keyring itself.
 */
export function registerPrivacy(program: Command): void {
  const privacy = usageErrorsExit2(
    program.command('privacy').description('manage the keys that encrypt personal data field by field'),
  );
  const keys = privacy
    .command('keys')
    .description(
      'list, rotate, retire and destroy data keys; re-encrypt stored values; erase a person (crypto-shredding)',
    );
  const kek = privacy.command('kek').description('the key-encryption key (KEK) that wraps every data key');

  keys
    .command('list')
    .description('list the data key chains, their versions and states (never key material)')
    .option('--subjects', 'include per-subject keys (subject.<id>): there may be very many')
    .option('--json', 'print the chains as JSON')
    .addHelpText(
      'after',
      examples('onegate privacy keys list', 'onegate privacy keys list --subjects --json'),
    )
    .action((options: { subjects?: boolean; json?: boolean }) =>
      withKeyring(async ({ keyring }) => {
        const chains = await keyring.list({ includeSubjects: options.subjects === true });
        if (options.json) return printJson(chains.map(chainJson));
        if (chains.length === 0) {
          return printLines(['no data keys yet: a key is made when the first value is encrypted under it']);
        }
        printLines(
          table([
            ['KEY ID', 'PURPOSE', 'ALGORITHM', 'PRIMARY', 'MIN', 'VERSIONS', 'UPDATED'],
            ...chains.map((c) => [
              c.keyId,
              c.purpose,
              c.algorithm,
              c.primaryVersion === undefined ? '-' : String(c.primaryVersion),
              String(c.minVersion),
              versionSummary(c),
              isoDate(c.updatedAt.getTime()),
            ]),
          ]),
        );
      }),
    );

  keys
    .command('show')
    .description('show one key chain: every version with its state, algorithm, KEK and dates')
    .argument('<keyId>', 'the key id, e.g. identity.accounts.phone or subject.<subjectId>')
    .option('--json', 'print the chain as JSON')
    .addHelpText('after', examples('onegate privacy keys show identity.accounts.phone'))
    .action((keyId: string, options: { json?: boolean }) => {
      checkKeyIdArg(keyId);
      return withKeyring(async ({ keyring }) => {
        const chain = await keyring.describe(keyId);
        if (options.json) return printJson(chainJson(chain));
        printLines(describeChain(chain));
      });
    });

  keys
    .command('rotate')
    .description(
      'make a new primary version; the old primary keeps decrypting, so nothing stops working (then rewrap)',
    )
    .argument('<keyId>', 'the key id to rotate')
    .option(
      '--algorithm <algorithm>',
      `the algorithm of the new version: ${ALGORITHMS.join(' or ')} (default: the key's current one)`,
    )
    .option('--json', 'print the chain after the rotation as JSON')
    .addHelpText(
      'after',
      examples(
        'onegate privacy keys rotate identity.accounts.phone',
        'onegate privacy keys rotate identity.accounts.phone --algorithm sm4-ctr-hmac-sm3',
      ),
    )
    .action((keyId: string, options: { algorithm?: string; json?: boolean }) => {
      checkKeyIdArg(keyId);
      const algorithm = options.algorithm === undefined ? undefined : parseAlgorithm(options.algorithm);
      return withKeyring(async ({ keyring }) => {
        const chain = await keyring.rotate(keyId, OPERATOR, algorithm === undefined ? {} : { algorithm });
        if (options.json) return printJson({ action: 'rotate', changed: true, key: chainJson(chain) });
        const primary = chain.versions.find((v) => v.version === chain.primaryVersion)!;
        printLines([
          `rotated ${keyId}: version ${primary.version} (${primary.algorithm}) is the primary; older versions still decrypt.`,
          `Next: wait a few seconds (every instance then encrypts under version ${primary.version}), then`,
          `re-encrypt stored values with \`onegate privacy keys rewrap ${keyId}\`.`,
          '',
          ...describeChain(chain),
        ]);
      });
    });

  keys
    .command('retire')
    .description('stop a version from decrypting; its wrapped key is kept, so reinstate can undo this')
    .argument('<keyId>', 'the key id')
    .argument('<version>', 'the version to retire (not the primary)')
    .option('--json', 'print the chain afterwards as JSON')
    .addHelpText('after', examples('onegate privacy keys retire identity.accounts.phone 1'))
    .action((keyId: string, versionText: string, options: { json?: boolean }) => {
      checkKeyIdArg(keyId);
      const version = parseVersion(versionText);
      return withKeyring(async ({ keyring }) => {
        const before = versionOf(await keyring.describe(keyId), version);
        const chain = await keyring.retire(keyId, version, OPERATOR);
        const changed = before?.state !== 'retired';
        if (options.json) return printJson({ action: 'retire', changed, key: chainJson(chain) });
        printLines([
          changed
            ? `retired version ${version} of ${keyId}: it no longer decrypts. Undo with \`onegate privacy keys reinstate ${keyId} ${version}\`.`
            : `version ${version} of ${keyId} was already retired; nothing changed.`,
          '',
          ...describeChain(chain),
        ]);
      });
    });

  keys
    .command('reinstate')
    .description(
      'take a retired (not destroyed) version back to decrypt-only: undoes a retirement made too early',
    )
    .argument('<keyId>', 'the key id')
    .argument('<version>', 'the retired version')
    .option('--json', 'print the chain afterwards as JSON')
    .addHelpText('after', examples('onegate privacy keys reinstate identity.accounts.phone 1'))
    .action((keyId: string, versionText: string, options: { json?: boolean }) => {
      checkKeyIdArg(keyId);
      const version = parseVersion(versionText);
      return withKeyring(async ({ keyring }) => {
        const before = versionOf(await keyring.describe(keyId), version);
        const chain = await keyring.reinstate(keyId, version, OPERATOR);
        const changed = before?.state === 'retired';
        if (options.json) return printJson({ action: 'reinstate', changed, key: chainJson(chain) });
        printLines([
          changed
            ? `reinstated version ${version} of ${keyId}: it decrypts again (it never encrypts).`
            : `version ${version} of ${keyId} was not retired; nothing changed.`,
          '',
          ...describeChain(chain),
        ]);
      });
    });

  keys
    .command('min-version')
    .description(
      'set the minimum decryptable version: versions below it refuse to decrypt. It only rises, never above the primary',
    )
    .argument('<keyId>', 'the key id')
    .argument('<version>', 'the new minimum version')
    .option('--json', 'print the chain afterwards as JSON')
    .addHelpText('after', examples('onegate privacy keys min-version identity.accounts.phone 2'))
    .action((keyId: string, versionText: string, options: { json?: boolean }) => {
      checkKeyIdArg(keyId);
      const version = parseVersion(versionText);
      return withKeyring(async ({ keyring }) => {
        const before = await keyring.describe(keyId);
        const chain = await keyring.setMinVersion(keyId, version, OPERATOR);
        const changed = before.minVersion !== chain.minVersion;
        if (options.json) return printJson({ action: 'min-version', changed, key: chainJson(chain) });
        printLines([
          changed
            ? `the minimum version of ${keyId} is now ${version}: versions below it no longer decrypt, and cannot be reinstated.`
            : `the minimum version of ${keyId} is ${version} already; nothing changed.`,
          '',
          ...describeChain(chain),
        ]);
      });
    });

  keys
    .command('destroy')
    .description(
      'delete a retired version for good: whatever it encrypted can never be decrypted again (needs --yes)',
    )
    .argument('<keyId>', 'the key id')
    .argument('<version>', 'the retired version to destroy')
    .option('--yes', 'confirm: this cannot be undone')
    .option('--json', 'print the chain afterwards as JSON')
    .addHelpText('after', examples('onegate privacy keys destroy identity.accounts.phone 1 --yes'))
    .action((keyId: string, versionText: string, options: { yes?: boolean; json?: boolean }) => {
      checkKeyIdArg(keyId);
      const version = parseVersion(versionText);
      if (!options.yes) {
        refuse(
          `destroy deletes version ${version} of ${keyId} for good: what it encrypted can never be decrypted again. Nothing was destroyed; add --yes to confirm`,
        );
      }
      return withKeyring(async ({ keyring }) => {
        const before = versionOf(await keyring.describe(keyId), version);
        const chain = await keyring.destroy(keyId, version, OPERATOR);
        const changed = before?.destroyed === false;
        if (options.json) return printJson({ action: 'destroy', changed, key: chainJson(chain) });
        printLines([
          changed
            ? `destroyed version ${version} of ${keyId}: its wrapped key is deleted, what it encrypted is unreadable for good.`
            : `version ${version} of ${keyId} was destroyed before; nothing changed.`,
          '',
          ...describeChain(chain),
        ]);
      });
    });

  keys
    .command('shred')
    .description(
      'erase a person (crypto-shredding): delete their own key, so all their data encrypted under it is unreadable for good (needs --yes)',
    )
    .requiredOption('--subject <subjectId>', 'the data subject (their key is subject.<subjectId>)')
    .option('--yes', 'confirm: this cannot be undone')
    .option('--json', 'print what was destroyed as JSON')
    .addHelpText(
      'after',
      `${examples('onegate privacy keys shred --subject 5f0c2a7e-91d4-4e8b-a0b1-3c9d7e2f4a61 --yes')}

Shredding does not reach blind indexes or masked columns (clear them too),
backups taken before now (re-apply the shred after a restore) or copies
outside OneGate: see docs/privacy.md#what-shredding-does-not-reach. Shredding
a subject who has no key yet records the erasure, so no key is ever made for
them silently.`,
    )
    .action((options: { subject: string; yes?: boolean; json?: boolean }) => {
      const subject = options.subject;
      let keyId: string;
      try {
        keyId = subjectKeyId(subject);
      } catch (err) {
        refuse(`--subject: ${(err as Error).message}`);
      }
      if (!options.yes) {
        refuse(
          `shred deletes every version of ${keyId} for good: all data of subject ${subject} encrypted under it becomes unreadable. Nothing was shredded; add --yes to confirm`,
        );
      }
      return withKeyring(async ({ keyring }) => {
        const result = await new SubjectKeys(keyring).shred(subject, OPERATOR);
        if (options.json) return printJson({ subject, ...result });
        if (result.alreadyShredded) {
          return printLines([`subject ${subject} was shredded before; nothing changed.`]);
        }
        if (result.versionsDestroyed === 0) {
          return printLines([
            `subject ${subject} had no key yet: recorded the erasure, so no key will be made for them silently.`,
          ]);
        }
        printLines([
          `shredded subject ${subject}: destroyed ${plural(result.versionsDestroyed, 'version')} of key ${keyId}.`,
          `Every value encrypted under ${keyId} now fails with ERR_PRIVACY_KEY_SHREDDED, wherever it was copied.`,
          'Not reached: their blind-index and masked columns (clear them), backups taken before now',
          '(re-apply this shred after a restore) and copies outside OneGate.',
        ]);
      });
    });

  keys
    .command('rewrap')
    .description(
      "re-encrypt the stored values of OneGate's own columns sealed under a key to its primary version, in batches; resumable",
    )
    .argument('<keyId>', 'the key id whose values move to its primary version')
    .option('--batch-size <n>', `rows per transaction, 1 to ${MAX_BATCH_SIZE}`, String(DEFAULT_BATCH_SIZE))
    .option(
      '--column <table.column>',
      "only this column (repeatable); one not in OneGate's list must have been sealed with its table, column and row id as context",
      collect,
    )
    .option('--id-column <name>', 'the primary key of a --column not in the list', 'id')
    .option('--status', 'show where the last run on each column stands; change nothing')
    .option('--json', 'print the result of each column as JSON (progress still goes to stderr)')
    .addHelpText(
      'after',
      `${examples(
        'onegate privacy keys rewrap identity.accounts.phone',
        'onegate privacy keys rewrap identity.accounts.phone --batch-size 1000',
        'onegate privacy keys rewrap identity.accounts.phone --status',
      )}

Each batch is one transaction that also records how far the run got: Ctrl-C
(or SIGTERM) stops after the current batch, and running the same command
again resumes there. Reads and writes go on meanwhile; a value written
concurrently is left as written (counted as a conflict: it is under the
primary already). Values that cannot be opened are counted as unreadable and
left as they are. Progress is printed to stderr after each batch.

Exit codes: 0 every column done; 1 failed, or some values were unreadable
(their row ids are printed); 2 bad invocation; 130 stopped before the end
(run again to resume).`,
    )
    .action(
      (
        keyId: string,
        options: { batchSize: string; column?: string[]; idColumn: string; status?: boolean; json?: boolean },
      ) => {
        checkKeyIdArg(keyId);
        const batchSize = parseBatchSize(options.batchSize);
        const columns = selectColumns(keyId, options.column, options.idColumn);
        return withKeyring(async ({ store, keyring, audit }) => {
          if (options.status) {
            const rows = await Promise.all(
              columns.map(async (c) => ({
                column: c,
                progress: await rewrapStatus(store, c.table, c.column),
              })),
            );
            if (options.json) {
              return printJson(
                rows.map(({ column, progress }) => ({
                  table: column.table,
                  column: column.column,
                  progress: progress ?? null,
                })),
              );
            }
            if (rows.length === 0) return printLines([noColumns(keyId)]);
            return printLines(rows.flatMap(({ column, progress }) => describeStatus(column, progress)));
          }

          await keyring.describe(keyId); // a key that does not exist fails here, column list or not
          if (columns.length === 0) {
            if (options.json) return printJson({ keyId, columns: [] });
            return printLines([noColumns(keyId)]);
          }

          const stop = interruptible();
          const results: RewrapResult[] = [];
          try {
            for (const c of columns) {
              if (stop.signal.aborted) break;
              results.push(
                await rewrapColumn({
                  store,
                  keyring,
                  table: c.table,
                  idColumn: c.idColumn,
                  column: c.column,
                  keyId,
                  context: c.context,
                  batchSize,
                  signal: stop.signal,
                  audit,
                  actor: OPERATOR,
                  onBatch: (p) => process.stderr.write(`${describeBatch(p)}\n`),
                }),
              );
            }
          } finally {
            stop.done();
          }

          const stopped = results.length < columns.length || results.some((r) => !r.completed);
          const unreadable = results.filter((r) => r.unreadable > 0);
          if (options.json) printJson({ keyId, completed: !stopped, columns: results });
          else {
            const lines = results.map(describeResult);
            if (stopped) {
              lines.push('stopped before the end: run the same command again to resume where it stopped.');
            } else if (unreadable.length === 0) {
              const target = results[0]?.targetVersion;
              lines.push(
                `Every value is under version ${target}. Check by running the same command again (nothing`,
                `should be rewrapped), then retire older versions: \`onegate privacy keys retire ${keyId} <version>\`.`,
              );
            }
            printLines(lines);
          }
          for (const r of unreadable) {
            process.stderr.write(
              `onegate: ${r.job}: ${plural(r.unreadable, 'value')} could not be opened and ${r.unreadable === 1 ? 'was' : 'were'} left as ${r.unreadable === 1 ? 'it was' : 'they were'} (row ids: ${r.unreadableIds.join(', ')}${r.unreadable > r.unreadableIds.length ? ', …' : ''})\n`,
            );
          }
          if (stopped) process.exitCode = INTERRUPTED;
          else if (unreadable.length > 0) process.exitCode = 1;
        });
      },
    );

  kek
    .command('rewrap')
    .description(
      'move every data key to the current KEK (ONEGATE_PRIVACY_KEK or privacy-kek.key), unwrapping with the previous one',
    )
    .option(
      '--previous-kek-file <file>',
      `a file (mode 0600) holding the KEK being rotated out; or set ${PREVIOUS_KEK_ENV} to it in base64`,
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `${examples(
        'onegate privacy kek rewrap --previous-kek-file /secure/privacy-kek.old.key',
        `${PREVIOUS_KEK_ENV}="$OLD_KEK" ONEGATE_PRIVACY_KEK="$NEW_KEK" onegate privacy kek rewrap`,
      )}

Only the wrapped data keys change: the data keys themselves, and so every
stored ciphertext, stay the same. Keys that will not unwrap stay under the old
KEK and are listed (exit 1). Afterwards remove the previous KEK from every
instance, and destroy it once no backup taken before the rewrap needs restoring.
${KEYS_EXIT_CODES}`,
    )
    .action((options: { previousKekFile?: string; json?: boolean }) => {
      if (options.previousKekFile === undefined && !process.env[PREVIOUS_KEK_ENV]) {
        refuse(`name the KEK being rotated out: --previous-kek-file <file> or ${PREVIOUS_KEK_ENV}`);
      }
      return withKeyring(
        async ({ keyring }) => {
          const result = await keyring.rewrapKeys(OPERATOR);
          if (options.json) printJson(result);
          else {
            const lines = [`rewrapped ${plural(result.rewrapped, 'data key')} under the current KEK.`];
            if (result.skipped > 0) {
              lines.push(
                `${plural(result.skipped, 'key')} changed while being rewrapped: run the command again.`,
              );
            }
            if (result.failed.length === 0 && result.skipped === 0) {
              lines.push(
                'Every data key is wrapped by the current KEK: remove the previous one from every instance, and',
                'destroy it once no backup taken before now needs restoring.',
              );
            }
            printLines(lines);
          }
          if (result.failed.length > 0) {
            process.stderr.write(
              `onegate: ${plural(result.failed.length, 'data key')} would not unwrap and stayed under the old KEK: ${result.failed.join(', ')}\n`,
            );
            process.exitCode = 1;
          }
        },
        options.previousKekFile === undefined ? {} : { previousKekFile: options.previousKekFile },
      );
    });

  // `keys rewrap` and `kek rewrap` say their exit codes themselves.
  for (const command of keys.commands) {
    if (command.name() !== 'rewrap') command.addHelpText('after', KEYS_EXIT_CODES);
  }
}

// ---- arguments, checked before the database is opened

function checkKeyIdArg(keyId: string): void {
  const valid: boolean = isKeyId(keyId);
  if (!valid) refuse(`"${keyId}" is not a key id: a key id is 1 to 128 characters of A-Z a-z 0-9 . _ -`);
}

function parseVersion(text: string): number {
  const version = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!isKeyVersion(version)) refuse(`"${text}" is not a key version: a whole number from 1 to 2147483647`);
  return version;
}

function parseAlgorithm(text: string): CipherAlgorithm {
  const algorithm = ALGORITHMS.find((a) => a === text);
  if (!algorithm) refuse(`--algorithm must be one of ${ALGORITHMS.join(', ')}`);
  return algorithm;
}

function parseBatchSize(text: string): number {
  const size = /^\d{1,5}$/.test(text) ? Number(text) : 0;
  if (size < 1 || size > MAX_BATCH_SIZE)
    refuse(`--batch-size takes a whole number from 1 to ${MAX_BATCH_SIZE}`);
  return size;
}

const SQL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The columns to rewrap: those of OneGate's list sealed under `keyId`, or
 * the ones named. A named column not in the list is taken to be sealed with
 * its own table, column and row id as context, the convention of `FieldContext`.
 */
function selectColumns(keyId: string, named: string[] | undefined, idColumn: string): EncryptedColumn[] {
  const known = ownEncryptedColumns();
  if (named === undefined) return known.filter((c) => c.keyId === keyId);
  if (!SQL_NAME.test(idColumn)) refuse('--id-column is lower-case letters, digits and _');
  return named.map((name) => {
    const parts = name.split('.');
    if (parts.length < 2 || parts.length > 3 || !parts.every((p) => SQL_NAME.test(p))) {
      refuse(
        `--column "${name}": name it as table.column (or schema.table.column), lower-case letters, digits and _`,
      );
    }
    const column = parts.pop()!;
    const tableName = parts.join('.');
    const listed = known.find((c) => c.table === tableName && c.column === column);
    return (
      listed ?? {
        keyId,
        table: tableName,
        idColumn,
        column,
        context: (row: { id: string }) => ({ table: tableName, column, row: row.id }),
      }
    );
  });
}

/** Aborts on the first Ctrl-C or SIGTERM (the run stops after its batch); a second Ctrl-C stops at once. */
function interruptible(): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(INTERRUPTED);
    process.stderr.write(
      'onegate: stopping after the current batch; run the same command again to resume (Ctrl-C again stops at once)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    done: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

// ---- output

/** What a version does now: `destroyed`, `retired`, `below-minimum`, or its state. */
function effectiveState(chain: KeyChainInfo, v: KeyVersionInfo): string {
  if (v.destroyed) return 'destroyed';
  if (v.state === 'retired') return 'retired';
  if (v.version < chain.minVersion) return 'below-minimum';
  return v.state;
}

function decrypts(chain: KeyChainInfo, v: KeyVersionInfo): boolean {
  const state = effectiveState(chain, v);
  return state === 'primary' || state === 'decrypt-only';
}

function chainJson(chain: KeyChainInfo) {
  return { ...chain, versions: chain.versions.map((v) => ({ ...v, decrypts: decrypts(chain, v) })) };
}

function versionOf(chain: KeyChainInfo, version: number): KeyVersionInfo | undefined {
  return chain.versions.find((v) => v.version === version);
}

function versionSummary(chain: KeyChainInfo): string {
  const counts = new Map<string, number>();
  for (const v of chain.versions) {
    const state = effectiveState(chain, v);
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  const order = ['primary', 'decrypt-only', 'below-minimum', 'retired', 'destroyed'];
  return order
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(', ');
}

function describeChain(chain: KeyChainInfo): string[] {
  const versions = [...chain.versions].sort((a, b) => b.version - a.version);
  return [
    ...fields([
      ['key', chain.keyId],
      ['purpose', chain.purpose],
      ['algorithm', `${chain.algorithm} (of new versions)`],
      ['primary', chain.primaryVersion === undefined ? '-' : `version ${chain.primaryVersion}`],
      ['min version', String(chain.minVersion)],
      ['created', isoDate(chain.createdAt.getTime())],
      ['updated', isoDate(chain.updatedAt.getTime())],
    ]),
    '',
    ...table([
      ['VERSION', 'STATE', 'DECRYPTS', 'ALGORITHM', 'KEK', 'CREATED', 'UPDATED'],
      ...versions.map((v) => [
        String(v.version),
        effectiveState(chain, v),
        yesNo(decrypts(chain, v)),
        v.algorithm,
        v.kekId,
        isoDate(v.createdAt.getTime()),
        isoDate(v.updatedAt.getTime()),
      ]),
    ]),
  ];
}

function describeBatch(p: RewrapResult): string {
  return `${p.job}: batch ${p.batches}${p.resumed ? ' (resumed run)' : ''}: ${p.scanned} scanned, ${p.rewrapped} rewrapped, ${p.current} current, ${p.skipped} skipped, ${p.conflicts} conflicts, ${p.unreadable} unreadable`;
}

function describeResult(r: RewrapResult): string {
  const counts = `${r.rewrapped} rewrapped, ${r.current} already current, ${r.skipped} skipped (empty or another key), ${r.conflicts} conflicts, ${r.unreadable} unreadable`;
  const how = r.completed
    ? `done${r.resumed ? ' (resumed)' : ''}`
    : `stopped after ${plural(r.batches, 'batch', 'batches')}`;
  return `${r.job}: ${how} towards version ${r.targetVersion}: ${r.scanned} scanned, ${counts}`;
}

function describeStatus(
  column: EncryptedColumn,
  progress: Awaited<ReturnType<typeof rewrapStatus>>,
): string[] {
  const job = `${column.table}.${column.column}`;
  if (!progress) return [`${job}: never rewrapped`];
  const state =
    progress.finished_at !== null
      ? `finished ${isoDate(progress.finished_at)}`
      : progress.cursor === null
        ? 'started, no batch done yet'
        : `stopped or running, after row ${progress.cursor}`;
  return [
    `${job}: ${progress.key_id} towards version ${progress.target_version}: ${state}`,
    `  ${progress.scanned} scanned, ${progress.rewrapped} rewrapped, ${progress.conflicts} conflicts, ${progress.unreadable} unreadable; started ${isoDate(progress.started_at)}, updated ${isoDate(progress.updated_at)}`,
  ];
}

function noColumns(keyId: string): string {
  return `no column of OneGate's store is listed as sealed under ${keyId}; nothing to rewrap (name one with --column)`;
}

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
