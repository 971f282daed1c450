import { type BaggageEntry, context, propagation } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { badRequest } from './errors';
import { FAULT_BAGGAGE_KEY, formatFault, parseFault } from './faults';
import { parseTransport, TRANSPORT_BAGGAGE_KEY } from './transport';

/**
 * For the public edge: drops all baggage that came from outside (it is never trusted), then puts
 * in the baggage the downstream calls carry the demo's two per-request switches, once validated:
 *
 *   ?fault=posts-service:error=503   a fault (only where injection is enabled)
 *   ?transport=grpc                  how users-service calls posts-service
 */
export function edgeBaggageFromQuery({ faultInjection }: { faultInjection: boolean }): RequestHandler {
  return (req, _res, next) => {
    const entries: Record<string, BaggageEntry> = {};
    const { fault, transport } = req.query;
    if (fault !== undefined) {
      if (!faultInjection) return next(badRequest('fault_injection_disabled', 'fault injection is off; set FAULT_INJECTION_ENABLED=true'));
      entries[FAULT_BAGGAGE_KEY] = { value: formatFault(parseFault(fault)) };
    }
    if (transport !== undefined) entries[TRANSPORT_BAGGAGE_KEY] = { value: parseTransport(transport) };
    const withoutOutsideBaggage = propagation.deleteBaggage(context.active());
    const active =
      Object.keys(entries).length > 0
        ? propagation.setBaggage(withoutOutsideBaggage, propagation.createBaggage(entries))
        : withoutOutsideBaggage;
    context.with(active, next);
  };
}
