import { Router } from 'express';
import request from 'supertest';
import { createServiceApp, HttpError, MAX_BODY_BYTES } from '../src';

function appWith(routes: Router, ready = true) {
  return createServiceApp({ routes, isReady: () => ready });
}

describe('createServiceApp', () => {
  const routes = Router();
  routes.get('/teapot', () => {
    throw new HttpError(418, 'teapot', 'short and stout');
  });
  routes.get('/boom', () => {
    throw new Error('secret internals at /srv/app.js:12');
  });
  routes.get('/async-boom', async () => {
    await Promise.resolve();
    throw new Error('async failure');
  });
  routes.post('/echo', (req, res) => {
    res.json(req.body);
  });

  test('/healthz answers 200', async () => {
    await request(appWith(routes)).get('/healthz').expect(200, { status: 'ok' });
  });

  test('/readyz follows isReady', async () => {
    await request(appWith(routes, true)).get('/readyz').expect(200, { status: 'ready' });
    await request(appWith(routes, false)).get('/readyz').expect(503, { status: 'not_ready' });
  });

  test('an unknown route is a JSON 404', async () => {
    await request(appWith(routes))
      .get('/nope')
      .expect(404, { error: { code: 'not_found', message: 'no route for GET /nope' } });
  });

  test('an HttpError keeps its status, code and message', async () => {
    await request(appWith(routes))
      .get('/teapot')
      .expect(418, { error: { code: 'teapot', message: 'short and stout' } });
  });

  test.each(['/boom', '/async-boom'])('an unexpected error on %s is a 500 that leaks nothing', async (path) => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const response = await request(appWith(routes)).get(path).expect(500);
    stderr.mockRestore();
    expect(response.body).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
    expect(response.text).not.toMatch(/secret|failure|\.js/);
  });

  test('a body over the limit is refused with 413', async () => {
    await request(appWith(routes))
      .post('/echo')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) }))
      .expect(413, { error: { code: 'payload_too_large', message: `request body over ${MAX_BODY_BYTES} bytes` } });
  });

  test('malformed JSON is a 400', async () => {
    await request(appWith(routes))
      .post('/echo')
      .set('content-type', 'application/json')
      .send('{"unterminated')
      .expect(400, { error: { code: 'bad_request', message: 'malformed request body' } });
  });

  test('a path parameter that is not valid percent-encoding is a 400, not a 500', async () => {
    const withParam = Router().get('/items/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    await request(appWith(withParam))
      .get('/items/%')
      .expect(400, { error: { code: 'bad_request', message: 'malformed request' } });
  });

  test('no framework banner', async () => {
    const response = await request(appWith(routes)).get('/healthz');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });
});
