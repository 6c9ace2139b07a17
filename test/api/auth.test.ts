/**
 * Who may do what, on a real Hono app with the sidecar's own middleware in the sidecar's order:
 * sessions only from a login, roles per route, wrong credentials refused, hosts and origins checked.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { authenticate, requireCredential, requireRole } from '../../inference-service/src/access/authenticate.ts';
import { allowedHostnames, hostGuard, methodOverrideGuard, originGuard, requestTargetGuard, securityHeaders } from '../../inference-service/src/access/guards.ts';
import { loginRoutes, safeNextPath } from '../../inference-service/src/access/loginRoutes.ts';
import { roles } from '../../inference-service/src/access/principal.ts';
import { SessionKeeper, sessionCookieName } from '../../inference-service/src/access/session.ts';
import { errorHandler } from '../../inference-service/src/api/onError.ts';
import { silentLogger } from '../../inference-service/src/log.ts';
import { createMetrics } from '../../inference-service/src/service/metrics.ts';

const token = 'a-token-of-sixteen-or-more';
const user = { username: 'radiologist', password: 'correct-horse-battery-staple' };

function accessApp(options: { sessions?: SessionKeeper; sessionRoles?: readonly (typeof roles)[keyof typeof roles][] } = {}) {
  const sessions = options.sessions ?? new SessionKeeper(token);
  const app = new Hono();
  app.use('*', securityHeaders(), requestTargetGuard(), hostGuard(allowedHostnames('127.0.0.1', ['pacs.example.org'])), methodOverrideGuard());
  app.use('*', authenticate({ apiToken: token, sessions }), originGuard());
  app.route('/', loginRoutes({ user, roles: options.sessionRoles ?? [roles.read], sessions }));
  app.get('/read', requireRole(roles.read), (c) => c.json({ subject: c.get('principal').subject }));
  app.post('/classify', requireRole(roles.classify), (c) => c.json({ ok: true }));
  app.post('/hook', requireCredential('api-token'), (c) => c.json({ ok: true }));
  app.onError(errorHandler({ orthancUrl: 'http://127.0.0.1:8042', metrics: createMetrics({ defaultMetrics: false }), logger: silentLogger }));
  return { app, sessions };
}

const bearer = { Authorization: `Bearer ${token}` };

async function logIn(app: Hono, form: Record<string, string> = user): Promise<Response> {
  return app.request('/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://localhost' },
    body: new URLSearchParams(form).toString(),
  });
}

function cookieOf(response: Response): string {
  return (response.headers.get('Set-Cookie') ?? '').split(';')[0] ?? '';
}

describe('access', () => {
  describe('the API token', () => {
    it('should open every role and the hook', async () => {
      const { app } = accessApp();
      expect((await app.request('/read', { headers: bearer })).status).toBe(200);
      expect((await app.request('/classify', { method: 'POST', headers: bearer })).status).toBe(200);
      expect((await app.request('/hook', { method: 'POST', headers: bearer })).status).toBe(200);
    });

    it('should refuse a wrong token, another scheme, or a malformed header with 401 and a challenge', async () => {
      const { app } = accessApp();
      for (const authorization of [`Bearer ${token}x`, `Basic ${Buffer.from('a:b').toString('base64')}`, 'Bearer', `Bearer ${token} extra`]) {
        const response = await app.request('/read', { headers: { Authorization: authorization } });
        expect(response.status, authorization).toBe(401);
        expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer/);
      }
    });

    it('should say what to send when nothing was', async () => {
      const response = await accessApp().app.request('/read');
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: { code: 'unauthorized', message: 'GET /read needs authentication: send Authorization: Bearer <token>, or log in to the viewer' },
      });
    });
  });

  describe('the local login', () => {
    it('should set an HttpOnly, SameSite=Strict session only for the right password, and send the user on', async () => {
      const { app } = accessApp();
      const wrong = await logIn(app, { ...user, password: 'wrong-password-wrong' });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('Set-Cookie')).toBeNull();
      expect(await wrong.text()).toMatch(/Wrong user or password/);

      const right = await logIn(app, { ...user, next: '/viewer?StudyInstanceUIDs=1.2.3' });
      expect(right.status).toBe(303);
      expect(right.headers.get('Location')).toBe('/viewer?StudyInstanceUIDs=1.2.3');
      const setCookie = right.headers.get('Set-Cookie') ?? '';
      expect(setCookie).toMatch(new RegExp(`^${sessionCookieName}=`));
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      expect(setCookie).not.toMatch(/Secure/);
      expect(setCookie).not.toContain(user.password);
      expect(setCookie).not.toContain(token);
      const read = await app.request('/read', { headers: { Cookie: cookieOf(right) } });
      expect(await read.json()).toEqual({ subject: 'radiologist' });
    });

    it('should mark the cookie Secure behind TLS', async () => {
      const response = await accessApp().app.request('https://localhost/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://localhost' },
        body: new URLSearchParams(user).toString(),
      });
      expect(response.headers.get('Set-Cookie')).toMatch(/; Secure/);
    });

    it('should give the session its roles only: 403 on a route needing another', async () => {
      const { app } = accessApp({ sessionRoles: [roles.read] });
      const cookie = cookieOf(await logIn(app));
      const response = await app.request('/classify', { method: 'POST', headers: { Cookie: cookie, Origin: 'http://localhost' } });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'forbidden', message: "POST /classify needs the 'classify' role, which radiologist does not have" } });
    });

    it('should not open the hook, which takes the API token only', async () => {
      const { app } = accessApp({ sessionRoles: [roles.read, roles.classify] });
      const cookie = cookieOf(await logIn(app));
      expect((await app.request('/hook', { method: 'POST', headers: { Cookie: cookie, Origin: 'http://localhost' } })).status).toBe(403);
    });

    it('should refuse the session after logout, even if the browser kept the cookie', async () => {
      const { app } = accessApp();
      const cookie = cookieOf(await logIn(app));
      const out = await app.request('/logout', { method: 'POST', headers: { Cookie: cookie, Origin: 'http://localhost' } });
      expect(out.status).toBe(303);
      expect(out.headers.get('Set-Cookie')).toMatch(new RegExp(`^${sessionCookieName}=;.*Max-Age=0`));
      expect((await app.request('/read', { headers: { Cookie: cookie } })).status).toBe(401);
    });

    it('should refuse forged, tampered, foreign and expired sessions', async () => {
      const sessions = new SessionKeeper(token);
      const now = new Date('2026-12-01T10:00:00Z');
      const claims = { sid: 'abc', sub: 'radiologist', roles: [roles.read], exp: now.getTime() / 1000 + 60 };
      expect(sessions.decode(sessions.encode(claims), now)).toMatchObject({ sub: 'radiologist' });
      expect(sessions.decode(new SessionKeeper('another-token-sixteen+').encode(claims), now)).toBeUndefined();
      const [payload, signature] = sessions.encode(claims).split('.');
      const elevated = Buffer.from(JSON.stringify({ ...claims, roles: [roles.administer] })).toString('base64url');
      expect(sessions.decode(`${elevated}.${signature}`, now)).toBeUndefined();
      expect(sessions.decode(`${payload}.${'A'.repeat(43)}`, now)).toBeUndefined();
      expect(sessions.decode(sessions.encode(claims), new Date(now.getTime() + 61_000))).toBeUndefined();
      expect(sessions.decode('garbage', now)).toBeUndefined();
    });

    it('should only send the user on to a path of this site', () => {
      expect(safeNextPath('/viewer?x=1')).toBe('/viewer?x=1');
      for (const next of ['//evil.example/', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '', undefined]) expect(safeNextPath(next)).toBe('/');
    });
  });

  describe('host and origin', () => {
    it('should refuse a Host that is not loopback, the bind address or a configured name', async () => {
      const { app } = accessApp();
      for (const host of ['evil.example', 'evil.example:3000', '127.0.0.1.nip.io', 'localhost.', '127.0.0.2', '[::2]']) {
        const response = await app.request('/read', { headers: { ...bearer, Host: host } });
        expect(response.status, host).toBe(421);
        expect(await response.json()).toMatchObject({ error: { code: 'host-not-allowed' } });
      }
      for (const host of ['localhost:3000', '127.0.0.1', '[::1]:3000', 'PACS.example.org']) {
        expect((await app.request('/read', { headers: { ...bearer, Host: host } })).status, host).toBe(200);
      }
    });

    it('should refuse a state-changing request on a cookie from another origin, or from none', async () => {
      const { app } = accessApp({ sessionRoles: [roles.classify] });
      const cookie = cookieOf(await logIn(app));
      for (const origin of ['http://evil.example', 'null', 'http://localhost.evil.example']) {
        expect((await app.request('/classify', { method: 'POST', headers: { Cookie: cookie, Origin: origin } })).status, origin).toBe(403);
      }
      expect((await app.request('/classify', { method: 'POST', headers: { Cookie: cookie } })).status).toBe(403);
      expect((await app.request('/classify', { method: 'POST', headers: { Cookie: cookie, 'Sec-Fetch-Site': 'same-origin' } })).status).toBe(200);
      // Fetch Metadata wins over Origin: a browser's cross-site request says so whatever the Origin.
      expect((await app.request('/classify', { method: 'POST', headers: { Cookie: cookie, 'Sec-Fetch-Site': 'cross-site', Origin: 'http://localhost' } })).status).toBe(403);
      expect((await app.request('/classify', { method: 'POST', headers: { Cookie: cookie, 'Sec-Fetch-Site': 'same-site' } })).status).toBe(403);
      expect((await app.request('/classify', { method: 'POST', headers: { Cookie: cookie, Origin: 'http://localhost' } })).status).toBe(200);
    });

    it('should refuse a login form posted from another origin', async () => {
      const response = await accessApp().app.request('/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://evil.example' },
        body: new URLSearchParams(user).toString(),
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('Set-Cookie')).toBeNull();
    });

    it('should let a bearer request through without an Origin', async () => {
      expect((await accessApp().app.request('/classify', { method: 'POST', headers: bearer })).status).toBe(200);
    });
  });

  describe('every answer', () => {
    it('should carry nosniff, no-referrer, a frame ban and a policy, and no CORS', async () => {
      const response = await accessApp().app.request('/read', { headers: { ...bearer, Origin: 'http://evil.example' } });
      expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(response.headers.get('Referrer-Policy')).toBe('same-origin');
      expect(response.headers.get('X-Frame-Options')).toBe('DENY');
      expect(response.headers.get('Content-Security-Policy')).toMatch(/frame-ancestors 'none'/);
      expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull();
    });

    it('should refuse method-override headers, whatever the method', async () => {
      for (const name of ['X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override']) {
        const response = await accessApp().app.request('/read', { headers: { ...bearer, [name]: 'DELETE' } });
        expect(response.status, name).toBe(400);
      }
    });
  });
});
