import { propagation } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { badRequest, HttpError } from './errors';
import { log } from './log';
import { withSpan } from './tracing';

/**
 * Faults users inject per request, to see a slow or failing service in the waterfall:
 *
 *   GET /api/users/1?fault=posts-service:delay=800ms
 *   GET /api/users/1?fault=users-service:error=503
 *
 * The frontend turns the query parameter into a W3C baggage entry (edge-baggage.ts); baggage
 * travels with the trace context, over HTTP and gRPC alike, and the named service applies the
 * fault inside an `injected_fault` span.
 */
export interface InjectedFault {
  service: string;
  type: 'delay' | 'error';
  /** For a delay: how long, capped at MAX_FAULT_DELAY_MS. */
  delayMs?: number;
  /** For an error: the status the service answers. */
  status?: number;
}

export const FAULT_BAGGAGE_KEY = 'demo.fault';
export const MAX_FAULT_DELAY_MS = 5_000;
const FAULT_SYNTAX = /^([a-z][a-z0-9-]{0,62}):(?:delay=(\d{1,6})ms|error=([45]\d\d))$/;

/** Parses `<service>:delay=<n>ms` or `<service>:error=<status>`; anything else is a 400. */
export function parseFault(raw: unknown): InjectedFault {
  const match = typeof raw === 'string' ? FAULT_SYNTAX.exec(raw) : null;
  if (!match?.[1]) {
    throw badRequest('invalid_fault', 'fault must look like <service>:delay=<ms>ms or <service>:error=<4xx|5xx status>');
  }
  if (match[2] !== undefined) return { service: match[1], type: 'delay', delayMs: Math.min(Number(match[2]), MAX_FAULT_DELAY_MS) };
  return { service: match[1], type: 'error', status: Number(match[3]) };
}

export function formatFault(fault: InjectedFault): string {
  return fault.type === 'delay' ? `${fault.service}:delay=${fault.delayMs}ms` : `${fault.service}:error=${fault.status}`;
}

/** Applies a fault addressed to `service` by the request's baggage, when injection is enabled. */
export function applyInjectedFault(service: string, enabled: boolean): RequestHandler {
  return (_req, _res, next) => {
    injectFault(service, enabled).then(() => next(), next);
  };
}

/**
 * The fault the active baggage addresses to `service`, applied inside an `injected_fault` span:
 * a delay resolves late, an error rejects with its HttpError. Resolves at once when there is
 * none. The Express middleware above and the gRPC handlers share it.
 */
export function injectFault(service: string, enabled: boolean): Promise<void> {
  const entry = enabled ? propagation.getActiveBaggage()?.getEntry(FAULT_BAGGAGE_KEY) : undefined;
  const fault = entry ? tryParseFault(entry.value) : undefined;
  if (!fault || fault.service !== service) return Promise.resolve();
  const attributes = {
    'demo.fault.service': fault.service,
    'demo.fault.type': fault.type,
    ...(fault.delayMs !== undefined && { 'demo.fault.delay_ms': fault.delayMs }),
    ...(fault.status !== undefined && { 'demo.fault.status': fault.status }),
  };
  return withSpan('injected_fault', attributes, async () => {
    // Written inside the span: the record's span_id points at the fault in the waterfall.
    log(fault.type === 'delay' ? 'warn' : 'error', 'fault injected', { fault: formatFault(fault) });
    if (fault.type === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    else throw new HttpError(fault.status ?? 500, 'injected_fault', `fault injected in ${service}: error=${fault.status}`);
  });
}

function tryParseFault(raw: string): InjectedFault | undefined {
  try {
    return parseFault(decodeURIComponent(raw));
  } catch {
    return undefined;
  }
}
