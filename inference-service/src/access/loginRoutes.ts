import { type Context, Hono } from 'hono';
import { ApiError, apiErrorCodes } from '../api/errors.ts';
import { requireSameOrigin } from './guards.ts';
import type { LocalUser } from './localUser.ts';
import type { Role } from './principal.ts';
import { safeEqual } from './safeEqual.ts';
import type { SessionKeeper } from './session.ts';

/**
 * The login of the embedded default (no identity provider): a plain HTML form, no script, posted to
 * the same path. Success sets the session cookie and returns to where the user was going.
 */

export const loginPaths = { login: '/login', logout: '/logout' } as const;

export interface LoginRoutesOptions {
  readonly user: LocalUser;
  readonly roles: readonly Role[];
  readonly sessions: SessionKeeper;
  /** Told of every attempt (the audit log). */
  readonly onAttempt?: (outcome: { username: string; success: boolean; address?: string }) => void;
  readonly addressOf?: (c: Context) => string | undefined;
  /** Told of every logout of a live session (the audit log). */
  readonly onLogout?: (outcome: { username: string; address?: string }) => void;
}

const pagePolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Only a path of this site: `/x`, never `//host` or `/\host` (which browsers treat as another site). */
export function safeNextPath(next: string | undefined): string {
  if (!next || !/^\/(?![/\\])[\x21-\x7e]*$/.test(next)) return '/';
  return next;
}

function loginPage(next: string, problem?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>CXR Findings: log in</title>
<style>body{font-family:system-ui,sans-serif;background:#090c29;color:#fff;display:grid;place-items:center;min-height:100vh;margin:0}
form{background:#151a3b;padding:2rem;border-radius:8px;min-width:18rem}label{display:block;margin:.8rem 0 .3rem}
input{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1.2rem;padding:.5rem 1rem}p.problem{color:#ff8a8a}</style>
</head><body><form method="post" action="${loginPaths.login}">
<h1>CXR Findings</h1>
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>` : ''}
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label for="username">User</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form></body></html>
`;
}

export function loginRoutes(options: LoginRoutesOptions): Hono {
  return new Hono()
    .get(loginPaths.login, (c) => {
      c.header('Content-Security-Policy', pagePolicy);
      c.header('Cache-Control', 'no-store');
      return c.html(loginPage(safeNextPath(c.req.query('next'))));
    })
    .post(loginPaths.login, requireSameOrigin(), async (c) => {
      const type = c.req.header('Content-Type') ?? '';
      if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
        throw new ApiError(415, apiErrorCodes.unsupportedMediaType, `POST ${loginPaths.login} takes an HTML form (application/x-www-form-urlencoded)`);
      }
      const text = await c.req.text();
      if (text.length > 4096) throw new ApiError(413, apiErrorCodes.payloadTooLarge, `POST ${loginPaths.login}: the form is too large`);
      const form = new URLSearchParams(text);
      const username = form.get('username') ?? '';
      const password = form.get('password') ?? '';
      const next = safeNextPath(form.get('next') ?? undefined);
      // Both compared, always, in constant time: neither the user name nor the timing says which was wrong.
      const userMatches = safeEqual(username, options.user.username);
      const passwordMatches = safeEqual(password, options.user.password);
      const success = userMatches && passwordMatches;
      options.onAttempt?.({ username: username.slice(0, 64), success, ...(options.addressOf ? { address: options.addressOf(c) } : {}) });
      c.header('Content-Security-Policy', pagePolicy);
      c.header('Cache-Control', 'no-store');
      if (!success) return c.html(loginPage(next, 'Wrong user or password.'), 401);
      options.sessions.start(c, options.user.username, options.roles);
      return c.redirect(next, 303);
    })
    .post(loginPaths.logout, requireSameOrigin(), (c) => {
      const ended = options.sessions.end(c);
      const address = options.addressOf?.(c);
      if (ended) options.onLogout?.({ username: ended.sub, ...(address ? { address } : {}) });
      return c.redirect(loginPaths.login, 303);
    });
}
