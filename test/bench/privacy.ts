/**
 * Field encryption per value, in process: `sealField`/`openField` (18-byte
 * value, associated data binding table, column and row) against raw
 * `crypto` AES-256-GCM done the fastest way (a prepared KeyObject, the
 * associated data and input bytes ready-made, 12 random nonce bytes per
 * call like ours), in alternating rounds of the same run. Then GM mode and
 * blind indexes beside their bare primitives, for information.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  randomBytes,
  randomFillSync,
  type KeyObject,
} from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  blindIndex,
  columnIndexKey,
  openField,
  sealField,
  type CipherAlgorithm,
  type DataKey,
  type FieldContext,
} from '@onegate/privacy';
import { formatRate, report, type Measured, type Outcome } from './harness.ts';
import { measureHttpFields } from './privacy-http.ts';

const TARGET = 0.8;
const HTTP_TARGET = 0.5;
const VALUE = '11010519491231002X';
const ROWS = 1024;
const MAIN = { warmupSeconds: 1, rounds: 15, roundSeconds: 0.4 };
const SIDE = { warmupSeconds: 0.5, rounds: 3, roundSeconds: 0.5 };

interface SyncContender {
  label: string;
  /** One operation on row `i`; returns false when its result is wrong. */
  op: (i: number) => boolean;
}

export async function run(): Promise<Outcome> {
  console.log('privacy: field encryption of an 18-byte value with associated data (one core, in process)');
  const material = createSecretKey(randomBytes(32));
  const aes = dataKey('aes-256-gcm', material);
  const sm4 = dataKey('sm4-ctr-hmac-sm3', createSecretKey(randomBytes(32)));
  const places: FieldContext[] = Array.from({ length: ROWS }, (_, i) => ({
    table: 'accounts',
    column: 'id_number',
    row: `7f3c2a90-5d1e-4b8a-9c61-${String(i).padStart(12, '0')}`,
  }));
  const sealedAes = places.map((p) => sealField(aes, VALUE, p));
  const raw = rawGcm(material, places, sealedAes);
  const sealedSm4 = places.map((p) => sealField(sm4, VALUE, p));
  const resolveAes = () => aes;
  const resolveSm4 = () => sm4;

  const [seal, rawSeal] = alternateSync(
    [
      { label: 'sealField (AES-256-GCM)', op: (i) => sealField(aes, VALUE, places[i]!).length > 0 },
      { label: 'raw crypto AES-256-GCM encrypt', op: (i) => raw.encrypt(i) },
    ],
    MAIN,
  );
  const [open, rawOpen, rawStored] = alternateSync(
    [
      {
        label: 'openField (AES-256-GCM)',
        op: (i) => openField(sealedAes[i]!, places[i]!, resolveAes).length === 18,
      },
      { label: 'raw crypto AES-256-GCM decrypt', op: (i) => raw.decrypt(i) },
      { label: '  same, from the stored text', op: (i) => raw.decryptStored(i) },
    ],
    MAIN,
  );
  const sealRatio = ratio(seal, rawSeal);
  const openRatio = ratio(open, rawOpen);
  line(seal, 'fields', `   ratio ${sealRatio.toFixed(2)}`);
  line(rawSeal, 'fields');
  line(open, 'fields', `   ratio ${openRatio.toFixed(2)}`);
  line(rawOpen, 'fields');
  line(rawStored, 'fields', `   (openField ${ratio(open, rawStored).toFixed(2)} of this)`);

  const rawSm4 = rawEtm();
  const gm = alternateSync(
    [
      { label: 'sealField (SM4-CTR + HMAC-SM3)', op: (i) => sealField(sm4, VALUE, places[i]!).length > 0 },
      {
        label: 'openField (SM4-CTR + HMAC-SM3)',
        op: (i) => openField(sealedSm4[i]!, places[i]!, resolveSm4).length === 18,
      },
      { label: 'raw SM4-CTR + HMAC-SM3 encrypt', op: () => rawSm4() },
    ],
    SIDE,
  );
  for (const m of gm) line(m, 'fields');

  const columnKey = columnIndexKey(createSecretKey(randomBytes(32)), 'accounts', 'phone');
  const phones = Array.from({ length: ROWS }, (_, i) => `138${String(i * 7919).padStart(8, '0')}`);
  const index = alternateSync(
    [
      {
        label: 'blindIndex (HMAC-SHA256, 128 bits)',
        op: (i) => blindIndex(columnKey, phones[i]!).length === 22,
      },
      {
        label: 'blindIndex (HMAC-SM3, 128 bits)',
        op: (i) => blindIndex(columnKey, phones[i]!, { algorithm: 'hmac-sm3' }).length === 22,
      },
      {
        label: 'raw crypto HMAC-SHA256 digest',
        op: (i) => createHmac('sha256', columnKey).update(phones[i]!).digest().length === 32,
      },
    ],
    SIDE,
  );
  for (const m of index) line(m, 'values');

  const worst = Math.min(sealRatio, openRatio);
  console.log(
    `  target sealField and openField >= ${TARGET} × raw: ${worst >= TARGET ? 'PASS' : 'BELOW TARGET'}`,
  );

  const http = await measureHttpFields();
  // Raw per wall-clock second, as HTTP is: the server has one core, like the in-process loop.
  const httpRatio = http.encryptPerSecond / rawSeal.perSecond;
  const decryptHttpRatio = http.decryptPerSecond / rawOpen.perSecond;
  console.log(
    `  over HTTP / raw in process: encrypt ${httpRatio.toFixed(2)}, decrypt ${decryptHttpRatio.toFixed(2)} (target >= ${HTTP_TARGET}): ${httpRatio >= HTTP_TARGET ? 'PASS' : 'BELOW TARGET'}\n`,
  );

  const errors =
    [seal, rawSeal, open, rawOpen, rawStored, ...gm, ...index].reduce((n, m) => n + m.failed, 0) +
    http.failed;
  return {
    name: 'privacy-fields',
    ratio: worst,
    target: `>= ${TARGET}`,
    met: worst >= TARGET && httpRatio >= HTTP_TARGET,
    errors,
    note:
      `seal ${formatRate(seal.perSecond)}/s (raw ${formatRate(rawSeal.perSecond)}), ` +
      `open ${formatRate(open.perSecond)}/s (raw ${formatRate(rawOpen.perSecond)}); ` +
      `SM4 ${formatRate(gm[0].perSecond)}/${formatRate(gm[1].perSecond)}/s; ` +
      `blind index ${formatRate(index[0].perSecond)}/s; ` +
      `HTTP encrypt ${formatRate(http.encryptPerSecond)}/s (${httpRatio.toFixed(2)} × raw), decrypt ${formatRate(http.decryptPerSecond)}/s`,
  };
}

function dataKey(algorithm: CipherAlgorithm, material: KeyObject): DataKey {
  return { keyId: `bench.${algorithm}`, version: 1, algorithm, material };
}

/**
 * Raw AES-256-GCM with everything prepared that can be: key, per-row
 * associated data (same layout and size as ours), input bytes, and for
 * decryption nonce, ciphertext and tag already apart as Buffers.
 */
function rawGcm(key: KeyObject, places: FieldContext[], stored: string[]) {
  const input = Buffer.from(VALUE);
  const nonce = Buffer.alloc(12);
  const aads = places.map((p) => lengthPrefixed('og1', 'a256gcm', 'bench.aes-256-gcm', 1, p));
  const sealed = aads.map((aad) => {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(input), cipher.final()]);
    return { nonce, body, tag: cipher.getAuthTag() };
  });
  const decrypt = (aad: Buffer, nonce: Buffer, body: Buffer, tag: Buffer): boolean => {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
    decipher.setAuthTag(tag);
    decipher.setAAD(aad);
    const plaintext = decipher.update(body);
    decipher.final();
    return plaintext.length === 18;
  };
  return {
    encrypt(i: number): boolean {
      const cipher = createCipheriv('aes-256-gcm', key, randomFillSync(nonce), { authTagLength: 16 });
      cipher.setAAD(aads[i]!);
      const body = cipher.update(input);
      cipher.final();
      return cipher.getAuthTag().length === 16 && body.length === 18;
    },
    decrypt(i: number): boolean {
      const { nonce, body, tag } = sealed[i]!;
      return decrypt(aads[i]!, nonce, body, tag);
    },
    /** For information: the least a decrypt from the stored text costs, base64url decoding included. */
    decryptStored(i: number): boolean {
      const text = stored[i]!;
      const payload = Buffer.from(text.slice(text.lastIndexOf(':') + 1), 'base64url');
      const end = payload.length - 16;
      return decrypt(aads[i]!, payload.subarray(0, 12), payload.subarray(12, end), payload.subarray(end));
    },
  };
}

/** Associated data laid out as docs/privacy.md#associated-data-what-a-ciphertext-is-bound-to says. */
function lengthPrefixed(
  tag: string,
  code: string,
  keyId: string,
  version: number,
  place: FieldContext,
): Buffer {
  const lp = (text: string) => {
    const bytes = Buffer.from(text);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return [length, bytes];
  };
  const v = Buffer.alloc(4);
  v.writeUInt32BE(version);
  return Buffer.concat([
    ...lp(tag),
    ...lp(code),
    ...lp(keyId),
    v,
    ...lp(place.table),
    ...lp(place.column),
    ...lp(place.row),
  ]);
}

/** Raw encrypt-then-MAC with prepared SM4 and HMAC-SM3 keys: the floor under GM mode. */
function rawEtm(): () => boolean {
  const encKey = createSecretKey(randomBytes(16));
  const macKey = createSecretKey(randomBytes(32));
  const input = Buffer.from(VALUE);
  const aad = Buffer.alloc(100);
  const iv = Buffer.alloc(16);
  return () => {
    randomFillSync(iv);
    const body = createCipheriv('sm4-ctr', encKey, iv).update(input);
    return createHmac('sm3', macKey).update(aad).update(iv).update(body).digest().length === 32;
  };
}

interface SyncMeasured extends Measured {
  /** Operations per CPU-second of each round. */
  perCpuSecond: number[];
}

/**
 * The harness's `alternate`, for synchronous operations of a few µs: a
 * promise per operation would cost more than the operation and squeeze
 * every ratio towards 1. Rounds alternate between contenders, so a change
 * in machine load falls on all alike; ratios are taken per round and per
 * CPU-second (see `ratio`), which other load on the machine barely moves.
 */
function alternateSync<T extends SyncContender[]>(
  contenders: [...T],
  plan: { warmupSeconds: number; rounds: number; roundSeconds: number },
): { [K in keyof T]: SyncMeasured } {
  const totals = contenders.map(() => ({
    ok: 0,
    failed: 0,
    cpu: 0,
    seconds: 0,
    perCpuSecond: [] as number[],
  }));
  for (const c of contenders) loopSync(c, plan.warmupSeconds);
  for (let round = 0; round < plan.rounds; round++) {
    for (const [i, c] of contenders.entries()) {
      const cpu = process.cpuUsage();
      const result = loopSync(c, plan.roundSeconds);
      const used = process.cpuUsage(cpu);
      const total = totals[i]!;
      total.ok += result.ok;
      total.failed += result.failed;
      total.seconds += result.seconds;
      total.cpu += used.user + used.system;
      total.perCpuSecond.push(result.ok / ((used.user + used.system) / 1e6));
    }
  }
  const measured = contenders.map((c, i): SyncMeasured => {
    const { ok, failed, cpu, seconds, perCpuSecond } = totals[i]!;
    return {
      label: c.label,
      perSecond: ok / seconds,
      cpuMsPerOp: cpu / 1000 / ok,
      failures: failed > 0 ? new Map([['wrong result', failed]]) : new Map<string, number>(),
      failed,
      perCpuSecond,
    };
  });
  return measured as { [K in keyof T]: SyncMeasured };
}

/** The median over rounds of `a`'s rate over `b`'s, both per CPU-second, each pair measured back to back. */
function ratio(a: SyncMeasured, b: SyncMeasured): number {
  const ratios = a.perCpuSecond.map((rate, i) => rate / b.perCpuSecond[i]!).sort((x, y) => x - y);
  const mid = ratios.length >> 1;
  return ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
}

/** `report` with the CPU per operation in µs: these take microseconds, not milliseconds. */
function line(m: Measured, unit: string, extra = ''): void {
  console.log(
    `  ${m.label.padEnd(34)} ${formatRate(m.perSecond).padStart(7)} ${unit}/s   ${(m.cpuMsPerOp * 1000).toFixed(2).padStart(6)} µs CPU each${extra}`,
  );
  if (m.failed > 0) report({ ...m, label: `${m.label} (failures)` }, unit);
}

/** Runs batches of ROWS operations until `seconds` have passed; the clock is read once per batch. */
function loopSync(c: SyncContender, seconds: number): { ok: number; failed: number; seconds: number } {
  const start = performance.now();
  const until = start + seconds * 1000;
  let ok = 0;
  let failed = 0;
  let now = start;
  while (now < until) {
    for (let i = 0; i < ROWS; i++) {
      let right = false;
      try {
        right = c.op(i);
      } catch {
        // Counted as a failure: a benchmark with errors measured something else.
      }
      if (right) ok++;
      else failed++;
    }
    now = performance.now();
  }
  return { ok, failed, seconds: (now - start) / 1000 };
}
