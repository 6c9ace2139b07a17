/**
 * The audit trail to a hospital's SIEM: each record also goes out as one RFC 5424 syslog message over
 * UDP (RFC 5426), facility 13 "log audit", severity notice (warning for refusals and failures), MSGID the
 * action, the record itself as JSON in MSG. UDP can lose messages: the file stays the record of truth.
 */
import { createSocket, type Socket } from 'node:dgram';
import { hostname } from 'node:os';
import type { AuditEvent, AuditSink } from './auditLog.ts';

const logAuditFacility = 13;
const severity = { warning: 4, notice: 5 } as const;
/** RFC 5424 §6.1: PRINTUSASCII, 1..48 characters for HOSTNAME, 1..48 for APP-NAME, 1..32 for MSGID. */
const printable = (text: string, max: number) => text.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-';

export interface SyslogTarget {
  readonly host: string;
  readonly port: number;
}

/** `udp://host:port` (port 514 when absent). */
export function parseSyslogUrl(url: string): SyslogTarget {
  const parsed = new URL(url);
  if (parsed.protocol !== 'udp:' || parsed.hostname === '') throw new Error(`The syslog target must be udp://host[:port], got '${url}'`);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port ? Number(parsed.port) : 514 };
}

export function syslogMessage(event: AuditEvent & { time: string }, appName = 'cxr-findings'): string {
  const pri = logAuditFacility * 8 + (event.outcome === 'success' ? severity.notice : severity.warning);
  return `<${pri}>1 ${event.time} ${printable(hostname(), 255)} ${printable(appName, 48)} ${process.pid} ${printable(event.action, 32)} - ${JSON.stringify(event)}`;
}

export class SyslogAuditSink implements AuditSink {
  readonly #socket: Socket;
  readonly #target: SyslogTarget;
  readonly #now: () => Date;

  constructor(target: SyslogTarget, options: { now?: () => Date } = {}) {
    this.#target = target;
    this.#now = options.now ?? (() => new Date());
    this.#socket = createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
    this.#socket.unref();
    // A SIEM that is down must not take the sidecar with it: the file has every record.
    this.#socket.on('error', () => undefined);
  }

  record(event: AuditEvent): void {
    const message = syslogMessage({ time: this.#now().toISOString(), ...event });
    this.#socket.send(message, this.#target.port, this.#target.host);
  }

  close(): void {
    this.#socket.close();
  }
}

/** Writes each record to every sink (the file first). */
export function teeAudit(...sinks: Array<AuditSink & { close?(): void }>): AuditSink & { close(): void } {
  return {
    record: (event) => {
      for (const sink of sinks) sink.record(event);
    },
    close: () => {
      for (const sink of sinks) sink.close?.();
    },
  };
}
