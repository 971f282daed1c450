import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Router } from 'express';
import request from 'supertest';
import { createServiceApp, edgeBaggageFromQuery, parseTransport, requestedTransport, TRANSPORT_BAGGAGE_KEY } from '../src';

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => context.disable());

/** An app that answers with the baggage its downstream calls would carry, and the transport chosen. */
function app(faultInjection: boolean, outsideBaggage?: Record<string, string>) {
  const routes = Router().get('/work', (_req, res) => {
    const entries = Object.fromEntries((propagation.getActiveBaggage()?.getAllEntries() ?? []).map(([key, entry]) => [key, entry.value]));
    res.json({ baggage: entries, transport: requestedTransport() });
  });
  // Stands in for the propagator: baggage that arrived with the request.
  const arrived: import('express').RequestHandler = (_req, _res, next) => {
    if (!outsideBaggage) return next();
    const entries = Object.fromEntries(Object.entries(outsideBaggage).map(([key, value]) => [key, { value }]));
    context.with(propagation.setBaggage(context.active(), propagation.createBaggage(entries)), next);
  };
  return createServiceApp({ routes, isReady: () => true, before: [arrived, edgeBaggageFromQuery({ faultInjection })] });
}

test('HTTP is the transport when none is asked for; the downstream baggage is empty', async () => {
  await request(app(false)).get('/work').expect(200, { baggage: {}, transport: 'http' });
});

test('?transport=grpc becomes the only baggage entry sent on, even with injection off', async () => {
  await request(app(false))
    .get('/work?transport=grpc')
    .expect(200, { baggage: { [TRANSPORT_BAGGAGE_KEY]: 'grpc' }, transport: 'grpc' });
});

test('both switches together', async () => {
  await request(app(true))
    .get('/work?transport=grpc&fault=posts-service:error=503')
    .expect(200, { baggage: { 'demo.fault': 'posts-service:error=503', 'demo.transport': 'grpc' }, transport: 'grpc' });
});

test('baggage from outside never passes the edge, a transport included', async () => {
  await request(app(true, { 'demo.transport': 'grpc', secret: 'x' }))
    .get('/work')
    .expect(200, { baggage: {}, transport: 'http' });
});

test.each(['GRPC', 'grpc2', '', 'http,grpc'])('?transport=%s is a 400 that names the choices', async (value) => {
  const response = await request(app(true))
    .get(`/work?transport=${encodeURIComponent(value)}`)
    .expect(400);
  expect(response.body).toEqual({ error: { code: 'invalid_transport', message: 'transport must be one of: http, grpc' } });
});

test('a repeated ?transport (an array) is a 400 too', async () => {
  await request(app(true)).get('/work?transport=grpc&transport=http').expect(400);
  expect(() => parseTransport(['grpc'])).toThrow(expect.objectContaining({ status: 400 }));
});
