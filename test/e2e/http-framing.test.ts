/**
 * One reading of where a request ends (ASVS 4.2.1): a request that frames its
 * body two ways, or gives two lengths, is refused and its connection closed,
 * so nothing after it can be smuggled in as a second request. Node's parser
 * does this unless `insecureHTTPParser` is set, which OneGate never does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from './support/platform.ts';

/** Sends `raw` on a fresh connection; resolves with everything the server wrote before it closed. */
function exchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(raw));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5000, () => {
      socket.destroy();
      reject(new Error(`the connection stayed open after: ${answer}`));
    });
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('HTTP message framing', () => {
  let platform: Platform;
  let port: number;

  beforeAll(async () => {
    platform = await startPlatform('sqlite');
    port = Number(new URL(platform.issuer).port);
  });
  afterAll(() => platform?.stop());

  const smuggled = 'GET /admin HTTP/1.1\r\nHost: x\r\n\r\n';

  it('refuses a body framed by both Content-Length and Transfer-Encoding, and closes', async () => {
    const answer = await exchange(
      port,
      'POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        `Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    // One answer only: the tail was never read as a request of its own.
    expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1);
  });

  it('refuses two different Content-Length headers, and a chunked encoding that is not last', async () => {
    for (const headers of [
      'Content-Length: 4\r\nContent-Length: 40\r\n',
      'Transfer-Encoding: chunked, identity\r\n',
    ]) {
      const answer = await exchange(
        port,
        `POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\nab=c\r\n`,
      );
      expect(answer, headers).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer.match(/HTTP\/1\.1 /g), headers).toHaveLength(1);
    }
  });

  it('is never given the lenient parser', () => {
    const root = new URL('../../packages/', import.meta.url).pathname;
    const offenders = readdirSync(root)
      .flatMap((pkg) => sourceFiles(join(root, pkg, 'src')))
      .filter((file) => readFileSync(file, 'utf8').includes('insecureHTTPParser'));
    expect(offenders).toEqual([]);
    expect(process.execArgv.join(' ')).not.toContain('insecure-http-parser');
  });
});
