/**
 * OpenID Connect on the product as `npm start` runs it (CXR_AUTH=oidc), against a real provider:
 * access tokens are checked for signature, issuer, audience, type and expiry on every API and DICOMweb
 * route, and roles decide. No part of the token check is replaced.
 */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configEnv, dataFiles } from '../../inference-service/src/config/defaults.ts';
import { findFreePort } from '../../tooling/freePort.ts';
import { type NpmStart, startNpmStart } from '../support/npmStart.ts';
import { oidcAudience, startOidcProvider, type TestOidcProvider, viewerClientId } from '../support/oidcProvider.ts';

let provider: TestOidcProvider;
let app: NpmStart;
let study: string;

beforeAll(async () => {
  const port = await findFreePort();
  provider = await startOidcProvider({ viewerOrigin: `http://127.0.0.1:${port}` });
  app = await startNpmStart(
    {
      [configEnv.auth]: 'oidc',
      [configEnv.oidcIssuer]: provider.issuer,
      [configEnv.oidcAudience]: oidcAudience,
      [configEnv.oidcClientId]: viewerClientId,
    },
    { port },
  );
  const response = await fetch(`${app.url}/dicom-web/studies`, { headers: { Authorization: `Bearer ${app.apiToken}`, Accept: 'application/dicom+json' } });
  const studies = (await response.json()) as Array<Record<string, { Value: string[] }>>;
  study = studies[0]?.['0020000D']?.Value[0] as string;
}, 240_000);

afterAll(async () => {
  await app?.stop();
  await provider?.stop();
});

function classify(token: string): Promise<Response> {
  return fetch(`${app.url}/api/classify`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ studyInstanceUID: study }),
  });
}

function studies(token: string): Promise<Response> {
  return fetch(`${app.url}/dicom-web/studies`, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/dicom+json' } });
}

/** A JWT with the provider's claims but signed by someone else (or not as the provider signs). */
function forged(header: Record<string, unknown>, payload: Record<string, unknown>, signWith: 'rsa' | 'hmac'): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  if (signWith === 'hmac') return `${input}.${createHmac('sha256', 'guess').update(input).digest('base64url')}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

function claimsOf(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return { header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString()), payload: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) };
}

describe('OpenID Connect access tokens on the product', () => {
  describe('a service account with the classify role', () => {
    it('should read through the proxy and classify, and be named in the audit log', async () => {
      const token = await provider.clientCredentialsToken(provider.serviceAccounts.classifier);
      expect((await studies(token)).status).toBe(200);
      const response = await classify(token);
      expect(response.status).toBe(200);
      const audit = (await readFile(join(app.dataDir, dataFiles.auditLog), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      const classified = audit.filter((record) => record.action === 'classify' && record.user === 'svc-classifier');
      expect(classified).toHaveLength(1);
      expect(classified[0]).toMatchObject({ outcome: 'success', credential: 'oidc', StudyInstanceUID: study, client: '127.0.0.1' });
    });
  });

  describe('a token without the classify role', () => {
    it('should read, and get 403 on classify', async () => {
      const token = await provider.clientCredentialsToken(provider.serviceAccounts.reader);
      expect((await studies(token)).status).toBe(200);
      const response = await classify(token);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'forbidden', message: expect.stringMatching(/needs the 'classify' role, which svc-reader does not have/) } });
    });
  });

  describe('a token without any role', () => {
    it('should get 403 on every read', async () => {
      const token = await provider.clientCredentialsToken(provider.serviceAccounts.nobody);
      expect((await studies(token)).status).toBe(403);
      expect((await fetch(`${app.url}/api/model`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(403);
    });
  });

  describe('tokens that must not count', () => {
    it('should refuse forged, tampered, re-typed, foreign-audience and expired tokens with 401', async () => {
      const genuine = await provider.clientCredentialsToken(provider.serviceAccounts.classifier);
      const { header, payload } = claimsOf(genuine);
      const now = Math.floor(Date.now() / 1000);
      const [h, , s] = genuine.split('.');
      const elevated = Buffer.from(JSON.stringify({ ...payload, roles: ['read', 'classify', 'administer'] })).toString('base64url');
      const cases: Record<string, string> = {
        'signed by another key': forged(header, payload, 'rsa'),
        'HMAC with a guessed secret': forged({ ...header, alg: 'HS256' }, payload, 'hmac'),
        'alg none': `${Buffer.from(JSON.stringify({ ...header, alg: 'none' })).toString('base64url')}.${genuine.split('.')[1]}.`,
        'claims changed after signing': `${h}.${elevated}.${s}`,
        'an ID token type': forged({ ...header, typ: 'JWT' }, payload, 'rsa'),
        'another audience': forged(header, { ...payload, aud: 'urn:another:api' }, 'rsa'),
        expired: forged(header, { ...payload, exp: now - 60 }, 'rsa'),
        'not a JWT': 'abc.def',
      };
      for (const [what, token] of Object.entries(cases)) {
        const response = await studies(token);
        expect(response.status, what).toBe(401);
        expect(response.headers.get('WWW-Authenticate'), what).toMatch(/^Bearer/);
        expect(await response.text(), what).not.toContain(token.slice(0, 40));
      }
    });
  });

  describe('without any credential', () => {
    it('should refuse data and hand out no cookie; the viewer page itself loads to send the user to the provider', async () => {
      const response = await studies('');
      expect(response.status).toBe(401);
      const page = await fetch(`${app.url}/`, { headers: { Accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(page.headers.get('Set-Cookie')).toBeNull();
      const config = await (await fetch(`${app.url}/app-config.js`)).text();
      expect(config).toContain(`"authority": "${provider.issuer}"`);
      expect(config).toContain(`"client_id": "${viewerClientId}"`);
      expect(page.headers.get('Content-Security-Policy')).toContain(`connect-src 'self' ${provider.issuer}`);
    });
  });

  describe('the API token', () => {
    it('should keep working beside OpenID Connect', async () => {
      expect((await classify(app.apiToken)).status).toBe(200);
    });
  });
});
