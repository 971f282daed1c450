import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Router } from 'express';
import request from 'supertest';
import { createServiceApp, edgeBaggageFromQuery, formatFault, MAX_FAULT_DELAY_MS, parseFault } from '../src';

describe('parseFault', () => {
  test.each([
    ['posts-service:delay=800ms', { service: 'posts-service', type: 'delay', delayMs: 800 }],
    ['users-service:error=503', { service: 'users-service', type: 'error', status: 503 }],
    ['frontend:error=418', { service: 'frontend', type: 'error', status: 418 }],
  ])('reads %s', (raw, fault) => {
    expect(parseFault(raw)).toEqual(fault);
    expect(formatFault(parseFault(raw))).toBe(raw);
  });

  test('caps delays at 5 s', () => {
    expect(parseFault('posts-service:delay=999999ms').delayMs).toBe(MAX_FAULT_DELAY_MS);
  });

  test.each([
    '',
    'posts-service',
    'posts-service:delay=800',
    'posts-service:error=200',
    'posts-service:error=abc',
    'POSTS:delay=1ms',
    "x:delay=1ms'--",
    ['a', 'b'],
  ])('rejects %j with a 400', (raw) => {
    expect(() => parseFault(raw)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_fault' }));
  });
});

describe('edgeBaggageFromQuery and the fault a service applies to itself', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => context.disable());

  const routes = Router().get('/work', (_req, res) => {
    res.json({ done: true });
  });
  const app = (enabled: boolean) =>
    createServiceApp({
      routes,
      isReady: () => true,
      before: [edgeBaggageFromQuery({ faultInjection: enabled })],
      faults: { service: 'svc', enabled },
    });

  test('an error fault for this service answers its status as JSON', async () => {
    await request(app(true))
      .get('/work?fault=svc:error=503')
      .expect(503, { error: { code: 'injected_fault', message: 'fault injected in svc: error=503' } });
  });

  test('a delay fault for this service waits, then serves', async () => {
    const started = Date.now();
    await request(app(true)).get('/work?fault=svc:delay=120ms').expect(200, { done: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
  });

  test('a fault for another service changes nothing here', async () => {
    await request(app(true)).get('/work?fault=other:error=500').expect(200);
  });

  test('with injection off, asking for a fault is a clear 400', async () => {
    const response = await request(app(false)).get('/work?fault=svc:error=503').expect(400);
    expect(response.body.error.code).toBe('fault_injection_disabled');
  });

  test('a malformed fault is a 400', async () => {
    const response = await request(app(true)).get('/work?fault=svc:explode').expect(400);
    expect(response.body.error.code).toBe('invalid_fault');
  });
});
