import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change, Store } from '@onegate/store';
import { createTestDatabase, engines, eventually, type TestDatabase } from '@onegate/store/testing';
import { CLIENTS_TOPIC, ClientRegistry } from '../src/clients/client-registry.ts';
import type { ClientInput } from '../src/clients/client-input.ts';
import { identityMigrations } from '../src/identity.ts';
import { loadMasterKey } from '../src/keys/master-key.ts';
import { OpensslCertificates, type TestCertificate } from './support/openssl-certificates.ts';

const APP: ClientInput = {
  name: 'Pension portal',
  redirectUris: ['https://pension.example.gov.cn/callback'],
  postLogoutRedirectUris: ['https://pension.example.gov.cn/bye'],
  department: 'social-security',
};
const SERVICE: ClientInput = { name: 'Benefit batch', scopes: ['audit:write', 'authz:check'] };

describe.each(engines)('client registry on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let masterKey: KeyObject;
  let registry: ClientRegistry;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    for (const set of identityMigrations) await store.migrate(set);
    dataDir = mkdtempSync(join(tmpdir(), 'onegate-client-registry-'));
    masterKey = (await loadMasterKey({ env: {}, dataDir, create: true })).key;
    registry = new ClientRegistry({ store, masterKey, allowLoopbackHttp: false });
  });
  afterAll(async () => {
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  describe('when an app is added', () => {
    it('returns its secret once, and never again from get or list', async () => {
      const created = await registry.add(APP);
      expect(created.clientSecret).toEqual(expect.any(String));
      expect(created.clientSecret!.length).toBeGreaterThanOrEqual(43);
      expect(created.client.clientId).toMatch(/^og_[A-Za-z0-9_-]+$/);
      expect(created.client).toMatchObject({ kind: 'app', name: 'Pension portal', disabled: false });

      const shown = JSON.stringify([await registry.get(created.client.clientId), await registry.list()]);
      expect(shown).not.toContain(created.clientSecret);
      // No field about a secret at all (the auth method's name, client_secret_basic, is a value).
      expect(shown).not.toMatch(/"\w*secret\w*":/i);
    });

    it('keeps no plaintext secret in the stored row', async () => {
      const { client, clientSecret } = await registry.add(APP);
      const row = await store.one<Record<string, unknown>>('SELECT * FROM clients WHERE id = $1', [
        client.clientId,
      ]);
      expect(row['secret_sealed']).toEqual(expect.any(String));
      expect(row['secret_sealed']).not.toContain(clientSecret);
      expect(JSON.stringify(row)).not.toContain(clientSecret);
    });

    it('gives two apps different ids and secrets', async () => {
      const [a, b] = [await registry.add(APP), await registry.add(APP)];
      expect(a.client.clientId).not.toBe(b.client.clientId);
      expect(a.clientSecret).not.toBe(b.clientSecret);
    });

    it('refuses invalid input without storing anything', async () => {
      const before = (await registry.list()).length;
      await expect(registry.add({ name: 'No callback' })).rejects.toMatchObject({
        code: 'ERR_CLIENT_INVALID',
      });
      expect(await registry.list()).toHaveLength(before);
    });

    it('gives a public app no secret at all', async () => {
      const { client, clientSecret } = await registry.add({ ...APP, public: true });
      expect(clientSecret).toBeUndefined();
      const row = await store.one<{ secret_sealed: string | null }>(
        'SELECT secret_sealed FROM clients WHERE id = $1',
        [client.clientId],
      );
      expect(row.secret_sealed).toBeNull();
    });
  });

  describe('when oidc-provider asks for a client', () => {
    it('gets a confidential app with its secret, pairwise subjects and ES256 ID tokens', async () => {
      const { client, clientSecret } = await registry.add(APP);
      const metadata = await registry.providerMetadata(client.clientId);
      expect(metadata).toMatchObject({
        client_id: client.clientId,
        client_name: 'Pension portal',
        client_secret: clientSecret,
        redirect_uris: APP.redirectUris,
        post_logout_redirect_uris: APP.postLogoutRedirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
        subject_type: 'pairwise',
        id_token_signed_response_alg: 'ES256',
        'urn:onegate:department': 'social-security',
        'urn:onegate:first_party': false,
      });
      expect(metadata!['scope']).toBe('openid profile email phone offline_access');
      expect(metadata).not.toHaveProperty('backchannel_logout_uri');
      expect(metadata).not.toHaveProperty('backchannel_logout_session_required');
    });

    it('gets public subjects when the app is registered with publicSubject', async () => {
      const { client } = await registry.add({ ...APP, publicSubject: true });
      expect(await registry.providerMetadata(client.clientId)).toMatchObject({ subject_type: 'public' });
    });

    it('gets RS256 ID tokens when registered with legacyRs256, only where the operator turned RS256 on', async () => {
      // ASVS 11.3.1: PKCS#1 v1.5 signatures only behind an explicit legacy setting.
      await expect(registry.add({ ...APP, legacyRs256: true })).rejects.toMatchObject({
        code: 'ERR_CLIENT_INVALID',
        message: expect.stringContaining('ONEGATE_SIGNING_ALGS=ES256,RS256') as string,
      });
      const { client: modern } = await registry.add(APP);
      await expect(registry.update(modern.clientId, { legacyRs256: true })).rejects.toMatchObject({
        code: 'ERR_CLIENT_INVALID',
      });
      const withRs256 = new ClientRegistry({ store, masterKey, allowLoopbackHttp: false, allowRs256: true });
      const { client } = await withRs256.add({ ...APP, legacyRs256: true });
      expect(await withRs256.providerMetadata(client.clientId)).toMatchObject({
        id_token_signed_response_alg: 'RS256',
      });
      // Turned off later: the app keeps loading, and may be changed back to ES256.
      expect(await registry.providerMetadata(client.clientId)).toMatchObject({
        id_token_signed_response_alg: 'RS256',
      });
      await registry.update(client.clientId, { name: 'Pension office' });
      await registry.update(client.clientId, { legacyRs256: false });
      expect(await registry.providerMetadata(client.clientId)).toMatchObject({
        id_token_signed_response_alg: 'ES256',
      });
    });

    it('gets a back-channel logout URI that requires the session id, when one is registered', async () => {
      const uri = 'https://pension.example.gov.cn/backchannel-logout';
      const { client } = await registry.add({ ...APP, backchannelLogoutUri: uri });
      expect(await registry.providerMetadata(client.clientId)).toMatchObject({
        backchannel_logout_uri: uri,
        backchannel_logout_session_required: true,
      });
    });

    it('gets a public app with no secret and token_endpoint_auth_method none', async () => {
      const { client } = await registry.add({ ...APP, public: true });
      const metadata = await registry.providerMetadata(client.clientId);
      expect(metadata).toMatchObject({ token_endpoint_auth_method: 'none' });
      expect(metadata).not.toHaveProperty('client_secret');
    });

    it('gets an app without offline_access only the authorization code grant', async () => {
      const { client } = await registry.add({ ...APP, scopes: ['openid', 'profile'] });
      expect(await registry.providerMetadata(client.clientId)).toMatchObject({
        grant_types: ['authorization_code'],
        scope: 'openid profile',
      });
    });

    it('gets a service as a client-credentials client with its secret', async () => {
      const { client, clientSecret } = await registry.add(SERVICE);
      expect(client.kind).toBe('service');
      const metadata = await registry.providerMetadata(client.clientId);
      expect(metadata).toMatchObject({
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'audit:write authz:check',
      });
      expect(metadata).not.toHaveProperty('subject_type');
    });

    it('gets nothing for an unknown client', async () => {
      expect(await registry.providerMetadata('og_unknown')).toBeUndefined();
    });

    it('gets nothing once the client is disabled, and the client again once enabled', async () => {
      const { client, clientSecret } = await registry.add(APP);
      expect((await registry.setDisabled(client.clientId, true)).disabled).toBe(true);
      expect(await registry.providerMetadata(client.clientId)).toBeUndefined();
      expect((await registry.get(client.clientId)).disabled).toBe(true);

      await registry.setDisabled(client.clientId, false);
      expect(await registry.providerMetadata(client.clientId)).toMatchObject({ client_secret: clientSecret });
    });
  });

  describe('when a secret is rotated', () => {
    it('returns a new secret, and oidc-provider gets only the new one', async () => {
      const { client, clientSecret: old } = await registry.add(APP);
      const rotated = await registry.rotateSecret(client.clientId);
      expect(rotated.clientSecret).toEqual(expect.any(String));
      expect(rotated.clientSecret).not.toBe(old);
      expect(rotated.client.clientId).toBe(client.clientId);
      expect((await registry.providerMetadata(client.clientId))!['client_secret']).toBe(rotated.clientSecret);
      const row = await store.one<{ secret_sealed: string }>(
        'SELECT secret_sealed FROM clients WHERE id = $1',
        [client.clientId],
      );
      expect(row.secret_sealed).not.toContain(rotated.clientSecret);
    });

    it('refuses a public client, which has no secret', async () => {
      const { client } = await registry.add({ ...APP, public: true });
      await expect(registry.rotateSecret(client.clientId)).rejects.toMatchObject({
        code: 'ERR_CLIENT_INVALID',
      });
    });

    it('refuses an unknown client', async () => {
      await expect(registry.rotateSecret('og_unknown')).rejects.toMatchObject({
        code: 'ERR_CLIENT_NOT_FOUND',
      });
    });
  });

  describe('when a client is updated', () => {
    it('changes what is given, keeps the rest, the kind and the secret', async () => {
      const { client, clientSecret } = await registry.add(APP);
      const updated = await registry.update(client.clientId, {
        name: 'Pension portal 2',
        redirectUris: ['https://pension2.example.gov.cn/callback'],
      });
      expect(updated).toMatchObject({
        clientId: client.clientId,
        kind: 'app',
        name: 'Pension portal 2',
        redirectUris: ['https://pension2.example.gov.cn/callback'],
        postLogoutRedirectUris: APP.postLogoutRedirectUris,
        department: 'social-security',
      });
      expect(await registry.providerMetadata(client.clientId)).toMatchObject({
        client_name: 'Pension portal 2',
        client_secret: clientSecret,
        redirect_uris: ['https://pension2.example.gov.cn/callback'],
      });
    });

    it('keeps a service a service', async () => {
      const { client } = await registry.add(SERVICE);
      const updated = await registry.update(client.clientId, {
        name: 'Benefit batch v2',
        scopes: ['audit:read'],
      });
      expect(updated).toMatchObject({ kind: 'service', name: 'Benefit batch v2', scopes: ['audit:read'] });
    });

    it('refuses to turn a service into an app', async () => {
      const { client } = await registry.add(SERVICE);
      await expect(
        registry.update(client.clientId, {
          redirectUris: ['https://batch.example.gov.cn/callback'],
          scopes: ['openid'],
        }),
      ).rejects.toMatchObject({ code: 'ERR_CLIENT_INVALID' });
      expect((await registry.get(client.clientId)).kind).toBe('service');
    });

    it('refuses to make a confidential app public', async () => {
      const { client } = await registry.add(APP);
      await expect(registry.update(client.clientId, { public: true })).rejects.toMatchObject({
        code: 'ERR_CLIENT_INVALID',
      });
      expect((await registry.get(client.clientId)).public).toBe(false);
    });

    it('refuses invalid values and an unknown client', async () => {
      const { client } = await registry.add(APP);
      await expect(
        registry.update(client.clientId, { redirectUris: ['http://pension.example.gov.cn/cb'] }),
      ).rejects.toMatchObject({ code: 'ERR_CLIENT_INVALID' });
      await expect(registry.update('og_unknown', { name: 'x' })).rejects.toMatchObject({
        code: 'ERR_CLIENT_NOT_FOUND',
      });
      await expect(registry.get('og_unknown')).rejects.toMatchObject({ code: 'ERR_CLIENT_NOT_FOUND' });
      await expect(registry.setDisabled('og_unknown', true)).rejects.toMatchObject({
        code: 'ERR_CLIENT_NOT_FOUND',
      });
    });
  });

  describe('when a service authenticates with its TLS certificate', () => {
    const certs = new OpensslCertificates();
    let own: TestCertificate;
    let renewed: TestCertificate;
    const TLS: ClientInput = { ...SERVICE, auth: 'tls_client_auth', certSanUri: 'urn:onegate:client:batch' };
    const secretOf = (id: string) =>
      store.one<{ secret_sealed: string | null }>('SELECT secret_sealed FROM clients WHERE id = $1', [id]);

    beforeAll(async () => {
      own = await certs.selfSigned('/O=Records office/CN=records-batch');
      renewed = await certs.selfSigned('/O=Records office/CN=records-batch');
    });
    afterAll(() => certs.remove());

    it('gives it no secret, and oidc-provider the subject to match and bound tokens', async () => {
      const { client, clientSecret } = await registry.add(TLS);
      expect(clientSecret).toBeUndefined();
      expect((await secretOf(client.clientId)).secret_sealed).toBeNull();
      expect(await registry.get(client.clientId)).toMatchObject({
        auth: 'tls_client_auth',
        certificate: { match: 'tls_client_auth_san_uri', value: 'urn:onegate:client:batch' },
      });
      const metadata = await registry.providerMetadata(client.clientId);
      expect(metadata).toMatchObject({
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_san_uri: 'urn:onegate:client:batch',
        tls_client_certificate_bound_access_tokens: true,
        grant_types: ['client_credentials'],
      });
      expect(metadata).not.toHaveProperty('client_secret');
      await expect(registry.rotateSecret(client.clientId)).rejects.toMatchObject({
        code: 'ERR_CLIENT_INVALID',
        message: 'this client authenticates with its TLS certificate and has no secret',
      });
    });

    it('expects the SAN URI of `onegate certs issue --client <id>` when no subject is given', async () => {
      const { client } = await registry.add({ ...SERVICE, auth: 'tls_client_auth' });
      expect(await registry.providerMetadata(client.clientId)).toMatchObject({
        tls_client_auth_san_uri: `urn:onegate:client:${client.clientId}`,
      });
      // A secret client switched over by naming only the method gets the same.
      const secret = await registry.add(SERVICE);
      const moved = await registry.update(secret.client.clientId, { auth: 'tls_client_auth' });
      expect(moved.certificate).toEqual({
        match: 'tls_client_auth_san_uri',
        value: `urn:onegate:client:${secret.client.clientId}`,
      });
    });

    it('gives a self-signed client its certificate as a JWK with x5c', async () => {
      const { client, clientSecret } = await registry.add({
        ...SERVICE,
        auth: 'self_signed_tls_client_auth',
        certificatePem: own.pem,
      });
      expect(clientSecret).toBeUndefined();
      const metadata = await registry.providerMetadata(client.clientId);
      expect(metadata).toMatchObject({
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        tls_client_certificate_bound_access_tokens: true,
        jwks: { keys: [{ kty: 'EC', crv: 'P-256', x5c: [own.certificate.raw.toString('base64')] }] },
      });
      expect(JSON.stringify(metadata)).not.toContain('"d"');
    });

    it('refuses bad certificate input without storing anything', async () => {
      const before = (await registry.list()).length;
      for (const input of [
        { ...SERVICE, auth: 'self_signed_tls_client_auth' as const },
        { ...TLS, certSubject: 'CN=og_x' },
        { ...SERVICE, auth: 'self_signed_tls_client_auth' as const, certificatePem: 'garbage' },
        { ...APP, auth: 'tls_client_auth' as const, certSanUri: 'urn:onegate:client:batch' },
      ]) {
        await expect(registry.add(input)).rejects.toMatchObject({ code: 'ERR_CLIENT_INVALID' });
      }
      expect(await registry.list()).toHaveLength(before);
    });

    it('takes a new subject or certificate on update (rotation), keeping everything else', async () => {
      const { client } = await registry.add(TLS);
      const moved = await registry.update(client.clientId, {
        certSubject: 'CN=og_batch,O=OneGate service clients',
      });
      expect(moved).toMatchObject({
        auth: 'tls_client_auth',
        scopes: SERVICE.scopes,
        certificate: { match: 'tls_client_auth_subject_dn', value: 'CN=og_batch,O=OneGate service clients' },
      });
      // An update that names no certificate field leaves the binding alone.
      expect(await registry.update(client.clientId, { name: 'Renamed batch' })).toMatchObject({
        name: 'Renamed batch',
        certificate: { match: 'tls_client_auth_subject_dn' },
      });
      expect(await registry.providerMetadata(client.clientId)).toMatchObject({
        tls_client_auth_subject_dn: 'CN=og_batch,O=OneGate service clients',
      });

      const selfSigned = await registry.add({
        ...SERVICE,
        auth: 'self_signed_tls_client_auth',
        certificatePem: own.pem,
      });
      await registry.update(selfSigned.client.clientId, { certificatePem: renewed.pem });
      expect(await registry.providerMetadata(selfSigned.client.clientId)).toMatchObject({
        jwks: { keys: [{ x5c: [renewed.certificate.raw.toString('base64')] }] },
      });
    });

    it('moves a secret client to TLS only when told the method, and deletes its secret then', async () => {
      const { client } = await registry.add(SERVICE);
      await expect(
        registry.update(client.clientId, { certSanUri: 'urn:onegate:client:batch' }),
      ).rejects.toMatchObject({
        code: 'ERR_CLIENT_INVALID',
        message: 'certificate options need auth tls_client_auth or self_signed_tls_client_auth',
      });
      expect((await secretOf(client.clientId)).secret_sealed).not.toBeNull();

      const moved = await registry.update(client.clientId, {
        auth: 'tls_client_auth',
        certSanUri: 'urn:onegate:client:batch',
      });
      expect(moved.auth).toBe('tls_client_auth');
      expect((await secretOf(client.clientId)).secret_sealed).toBeNull();
      expect(await registry.providerMetadata(client.clientId)).not.toHaveProperty('client_secret');
    });

    it('never moves a TLS client back to a secret', async () => {
      const { client } = await registry.add(TLS);
      await expect(registry.update(client.clientId, { auth: 'client_secret_basic' })).rejects.toMatchObject({
        code: 'ERR_CLIENT_INVALID',
        message:
          'a client that authenticates with its certificate cannot go back to a secret; register a new client',
      });
      expect((await registry.get(client.clientId)).auth).toBe('tls_client_auth');
    });

    it('reads a client stored before auth methods were recorded as a secret client', async () => {
      const { client, clientSecret } = await registry.add(SERVICE);
      const row = await store.one<{ metadata: string }>('SELECT metadata FROM clients WHERE id = $1', [
        client.clientId,
      ]);
      const old = JSON.parse(row.metadata) as Record<string, unknown>;
      delete old['auth'];
      await store.exec('UPDATE clients SET metadata = $2 WHERE id = $1', [
        client.clientId,
        JSON.stringify(old),
      ]);
      registry.invalidate(client.clientId);
      expect((await registry.get(client.clientId)).auth).toBe('client_secret_basic');
      expect(await registry.providerMetadata(client.clientId)).toMatchObject({
        token_endpoint_auth_method: 'client_secret_basic',
        client_secret: clientSecret,
      });
    });
  });

  describe('when another process subscribes to client changes', () => {
    it('hears of an addition, an update, a rotation and a disabling, each with the client id', async () => {
      const other = await db.open();
      const heard: Change[] = [];
      const unsubscribe = await other.subscribe(CLIENTS_TOPIC, (change) => heard.push(change));
      try {
        const { client } = await registry.add(APP);
        const id = client.clientId;
        const count = () => heard.filter((c) => c.key === id).length;
        await eventually(() => count() >= 1);
        await registry.update(id, { name: 'Renamed' });
        await eventually(() => count() >= 2);
        await registry.rotateSecret(id);
        await eventually(() => count() >= 3);
        await registry.setDisabled(id, true);
        await eventually(() => count() >= 4);
        expect(heard.filter((c) => c.key === id).every((c) => c.topic === CLIENTS_TOPIC)).toBe(true);
      } finally {
        unsubscribe();
      }
    });

    it('hears nothing of a refused change', async () => {
      const other = await db.open();
      const heard: Change[] = [];
      const unsubscribe = await other.subscribe(CLIENTS_TOPIC, (change) => heard.push(change));
      try {
        const { client } = await registry.add({ ...APP, public: true });
        await eventually(() => heard.some((c) => c.key === client.clientId));
        await expect(registry.rotateSecret(client.clientId)).rejects.toMatchObject({
          code: 'ERR_CLIENT_INVALID',
        });
        // A later change is heard; the refused one in between is not.
        await registry.setDisabled(client.clientId, true);
        await eventually(() => heard.filter((c) => c.key === client.clientId).length >= 2);
        expect(heard.filter((c) => c.key === client.clientId)).toHaveLength(2);
      } finally {
        unsubscribe();
      }
    });
  });
});
