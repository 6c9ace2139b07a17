import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { principalOf } from '../access/authenticate.ts';
import type { AuditEvent } from './auditLog.ts';

/** The client's address as the socket saw it (never a header a client can write). */
export function clientAddress(c: Context): string | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
}

/** The part of an audit record every HTTP access shares: who, from where, which request. */
export function requestAuditFields(c: Context): Pick<AuditEvent, 'user' | 'credential' | 'client' | 'requestId'> {
  const principal = principalOf(c);
  const client = clientAddress(c);
  const requestId = c.get('requestId') as string | undefined;
  return {
    user: principal?.subject ?? 'anonymous',
    ...(principal ? { credential: principal.credential } : {}),
    ...(client ? { client } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

export function outcomeOf(status: number): AuditEvent['outcome'] {
  if (status === 401 || status === 403) return 'refused';
  return status < 400 ? 'success' : 'failure';
}
