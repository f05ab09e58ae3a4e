// A OneGate instance under load, for crash tests: `node log-child.ts <location-json> <tag> <producers>`.
// Prints `ready`, then one JSON line `{tag, first, count}` per acknowledged append, until killed.
import { openStore } from '@onegate/store';
import { MerkleLog } from '../../src/log/appender.ts';
import { auditMigrations } from '../../src/log/audit-migrations.ts';
import { batchLeaves } from './crash-leaves.ts';

const [locationJson, runTag, producers] = process.argv.slice(2);
const store = await openStore(JSON.parse(locationJson!) as { databaseUrl?: string; dataDir?: string });
await store.migrate(auditMigrations);
const log = new MerkleLog(store);
await log.start();
process.stdout.write('ready\n');

async function produce(producer: number): Promise<void> {
  for (let seq = 0; ; seq++) {
    const tag = `${runTag}/${producer}/${seq}`;
    const leaves = batchLeaves(tag, 1 + (seq % 3));
    const { first, count } = await log.append(leaves.map((leaf) => ({ leaf, columns: { actor: tag } })));
    // A pipe write is synchronous on Linux: once this returns, the parent has the line.
    process.stdout.write(`${JSON.stringify({ tag, first, count })}\n`);
  }
}

await Promise.all(Array.from({ length: Number(producers) }, (_, p) => produce(p)));
