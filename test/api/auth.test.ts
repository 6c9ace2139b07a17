import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { isValidViewerSession, issueViewerSession, requireAuth, viewerSessionCookie, viewerSessionValue } from '../../inference-service/src/api/auth.ts';
import { errorHandler } from '../../inference-service/src/api/onError.ts';
import { silentLogger } from '../../inference-service/src/log.ts';
import { createMetrics } from '../../inference-service/src/service/metrics.ts';

const token = 'a-token-of-sixteen-or-more';

/** A real Hono app with the sidecar's auth and error handling around one route, as the API mounts them. */
function protectedApp(allowViewerSession: boolean) {
  const app = new Hono();
  app.get('/session', (c) => {
    issueViewerSession(c, token);
    return c.text('page');
  });
  app.get('/api/thing', requireAuth(token, { allowViewerSession }), (c) => c.json({ ok: true }));
  app.onError(errorHandler({ orthancUrl: 'http://127.0.0.1:8042', metrics: createMetrics({ defaultMetrics: false }), logger: silentLogger }));
  return app;
}

describe('requireAuth', () => {
  describe('a bearer token', () => {
    it('should let the right token through', async () => {
      const response = await protectedApp(false).request('/api/thing', { headers: { Authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
    });

    it('should refuse a wrong token with 401 and a WWW-Authenticate challenge', async () => {
      const response = await protectedApp(false).request('/api/thing', { headers: { Authorization: `Bearer ${token}x` } });
      expect(response.status).toBe(401);
      expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer/);
      expect(await response.json()).toEqual({ error: { code: 'unauthorized', message: 'GET /api/thing needs authentication: the bearer token is not valid' } });
    });

    it('should refuse a request without one, saying what to send', async () => {
      const response = await protectedApp(false).request('/api/thing');
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/Authorization: Bearer <CXR_API_TOKEN>/);
    });
  });

  describe('the viewer session cookie', () => {
    it('should be set HttpOnly and SameSite=Strict by issueViewerSession', async () => {
      const response = await protectedApp(true).request('/session');
      const cookie = response.headers.get('Set-Cookie') ?? '';
      expect(cookie).toMatch(new RegExp(`^${viewerSessionCookie}=\\d+\\.[A-Za-z0-9_-]{43};`));
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).not.toContain(token);
    });

    it('should be accepted where the route allows it', async () => {
      const app = protectedApp(true);
      const page = await app.request('/session');
      const cookie = (page.headers.get('Set-Cookie') ?? '').split(';')[0] ?? '';
      const response = await app.request('/api/thing', { headers: { Cookie: cookie } });
      expect(response.status).toBe(200);
    });

    it('should not be accepted where the route does not allow it', async () => {
      const response = await protectedApp(false).request('/api/thing', { headers: { Cookie: `${viewerSessionCookie}=${viewerSessionValue(token)}` } });
      expect(response.status).toBe(401);
    });

    it('should be refused when signed with another token, forged, or expired', async () => {
      const now = new Date('2026-11-25T10:00:00Z');
      expect(isValidViewerSession(viewerSessionValue(token, now), token, now)).toBe(true);
      expect(isValidViewerSession(viewerSessionValue('another-token-sixteen+', now), token, now)).toBe(false);
      expect(isValidViewerSession(`${Math.floor(now.getTime() / 1000)}.${'A'.repeat(43)}`, token, now)).toBe(false);
      const thirteenHoursLater = new Date(now.getTime() + 13 * 3600_000);
      expect(isValidViewerSession(viewerSessionValue(token, now), token, thirteenHoursLater)).toBe(false);
      expect(isValidViewerSession('garbage', token, now)).toBe(false);
    });
  });
});
