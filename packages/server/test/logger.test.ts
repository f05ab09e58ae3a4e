import { createSecretKey, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openFieldText, sealField, type DataKey } from '@onegate/privacy';
import { createLogger, type Logger } from '../src/logger.ts';

const RESIDENT_ID = '11010519491231002X';
const MOBILE = '13800138000';
/** Luhn-valid UnionPay number. */
const CARD = '6222021234567890128';
/** Sixteen digits that fail Luhn: not a card. */
const NOT_A_CARD = '6222021234567895';
const CREDIT_CODE = '91350100M000100Y43';

/** A logger at debug level writing into memory: the raw text and the parsed lines. */
function capture(): { log: Logger; text: () => string; lines: () => Array<Record<string, unknown>> } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const log = createLogger({ logLevel: 'debug' }, stream);
  return {
    log,
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('the server log masks personal data', () => {
  it('masks a resident ID and a mobile number in the message', () => {
    const out = capture();
    out.log.info(`citizen ${RESIDENT_ID} called from ${MOBILE}`);
    expect(out.lines()[0]!['msg']).toBe('citizen 110105********002X called from 138****8000');
    expect(out.text()).not.toContain(RESIDENT_ID);
    expect(out.text()).not.toContain(MOBILE);
  });

  it('masks what printf-style arguments put into the message', () => {
    const out = capture();
    out.log.warn('lookup for %s by %s failed', MOBILE, 'zhang.san@example.cn');
    expect(out.lines()[0]!['msg']).toBe('lookup for 138****8000 by z***@example.cn failed');
  });

  it('masks strings and long numbers in fields at any depth, and leaves the rest as it was', () => {
    const out = capture();
    const fields = {
      caller: { phones: [MOBILE, 13900139000], email: 'zhang.san@example.cn' },
      payment: [{ card: `card ${CARD}` }],
      org: CREDIT_CODE,
      status: 200,
      at: 1714000000000,
      ok: true,
      path: '/api/v1/authz/check',
    };
    out.log.info(fields, 'request');
    const line = out.lines()[0]!;
    expect(line['caller']).toEqual({ phones: ['138****8000', '139****9000'], email: 'z***@example.cn' });
    expect(line['payment']).toEqual([{ card: 'card 6222 **** **** 0128' }]);
    expect(line['org']).toBe('913501********0Y43');
    expect(line).toMatchObject({ status: 200, at: 1714000000000, ok: true, path: '/api/v1/authz/check' });
    // The caller's object is not changed.
    expect(fields.caller.phones).toEqual([MOBILE, 13900139000]);
  });

  it('masks errors: their message, stack and own properties', () => {
    const out = capture();
    const err = Object.assign(new Error(`no account for ${RESIDENT_ID}`), { contact: MOBILE, code: 'E_X' });
    out.log.error(err);
    out.log.error({ err }, 'lookup failed');
    const [first, second] = out.lines();
    expect(first!['msg']).toBe('no account for 110105********002X');
    for (const line of [first!, second!]) {
      expect(line['err']).toMatchObject({
        type: 'Error',
        message: 'no account for 110105********002X',
        contact: '138****8000',
        code: 'E_X',
      });
      expect((line['err'] as { stack: string }).stack).toContain('Error: no account for 110105********002X');
    }
    expect(second!['msg']).toBe('lookup failed');
    expect(out.text()).not.toContain(RESIDENT_ID);
    expect(out.text()).not.toContain(MOBILE);
  });

  it('masks child bindings, for children of children too', () => {
    const out = capture();
    out.log.child({ caller: MOBILE }).child({ requestId: 'r-1' }).info('hello');
    expect(out.lines()[0]).toMatchObject({ caller: '138****8000', requestId: 'r-1', msg: 'hello' });
  });

  it('leaves numbers that fail their validator alone', () => {
    const out = capture();
    out.log.info({ reference: NOT_A_CARD, id: '110105194912310021' }, `order ${NOT_A_CARD}`);
    expect(out.lines()[0]).toMatchObject({
      reference: NOT_A_CARD,
      // Wrong check character: not a resident ID.
      id: '110105194912310021',
      msg: `order ${NOT_A_CARD}`,
    });
  });

  it('reads full-width digits as digits', () => {
    const out = capture();
    out.log.info('电话：１３８００１３８０００');
    expect(out.lines()[0]!['msg']).toBe('电话：***********');
  });

  it('still redacts secrets and auth headers', () => {
    const out = capture();
    out.log.info(
      {
        headers: { authorization: 'Bearer abc', cookie: 'sid=1' },
        body: { password: 'hunter2', phone: MOBILE },
      },
      'in',
    );
    const line = out.lines()[0]!;
    expect(line['headers']).toEqual({ authorization: '[redacted]', cookie: '[redacted]' });
    expect(line['body']).toEqual({ password: '[redacted]', phone: '138****8000' });
    expect(out.text()).not.toContain('hunter2');
  });

  it('leaves ciphertext envelopes whole, even when a subject key id looks like an ID number', () => {
    const key: DataKey = {
      keyId: `subject.${RESIDENT_ID}`,
      version: 1,
      algorithm: 'aes-256-gcm',
      material: createSecretKey(randomBytes(32)),
    };
    const context = { table: 'accounts', column: 'phone', row: 'a1' };
    const envelope = sealField(key, MOBILE, context);
    const out = capture();
    out.log.info({ stored: envelope, list: [envelope] }, `sealed ${envelope} for ${MOBILE}`);
    const line = out.lines()[0]!;
    expect(line['stored']).toBe(envelope);
    expect(line['list']).toEqual([envelope]);
    expect(line['msg']).toBe(`sealed ${envelope} for 138****8000`);
    expect(openFieldText(line['stored'] as string, context, () => key)).toBe(MOBILE);
  });

  it('writes cycles and very deep values without walking forever', () => {
    const out = capture();
    const looped: Record<string, unknown> = { phone: MOBILE };
    looped['self'] = looped;
    let deep: Record<string, unknown> = { phone: MOBILE };
    for (let i = 0; i < 40; i++) deep = { deep };
    out.log.info({ looped, deep });
    expect(out.lines()[0]!['looped']).toEqual({ phone: '138****8000', self: '[Circular]' });
    expect(out.text()).not.toContain(MOBILE);
  });
});
