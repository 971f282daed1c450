import { propagation } from '@opentelemetry/api';
import { badRequest } from './errors';

/**
 * How users-service reaches posts-service, chosen per request (?transport=grpc). Like a fault,
 * the choice travels in W3C baggage from the frontend, so no service between the edge and the
 * hop that uses it has to know about it.
 */
export const TRANSPORTS = ['http', 'grpc'] as const;
export type Transport = (typeof TRANSPORTS)[number];
export const DEFAULT_TRANSPORT: Transport = 'http';
export const TRANSPORT_BAGGAGE_KEY = 'demo.transport';

function isTransport(value: unknown): value is Transport {
  return (TRANSPORTS as readonly unknown[]).includes(value);
}

/** `http` or `grpc`; anything else is a 400 that names the choices. */
export function parseTransport(raw: unknown): Transport {
  if (isTransport(raw)) return raw;
  throw badRequest('invalid_transport', `transport must be one of: ${TRANSPORTS.join(', ')}`);
}

/** The transport the request being served asked for; the default when it asked for none (or for one unknown). */
export function requestedTransport(): Transport {
  const value = propagation.getActiveBaggage()?.getEntry(TRANSPORT_BAGGAGE_KEY)?.value;
  return isTransport(value) ? value : DEFAULT_TRANSPORT;
}
