import { createServer } from 'node:net';
import { freePort, isPortFree } from '../src/ports';

test('free ports come from below the ephemeral range, where client sockets do not take them', async () => {
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(32_768);
  }
});

test('a free port can be listened on, and is not one of those excluded', async () => {
  const excluded = new Set(Array.from({ length: 12_000 }, (_, i) => 20_000 + i));
  const port = await freePort(excluded);
  expect(port).toBeGreaterThanOrEqual(32_000);
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  expect(await isPortFree(port)).toBe(false);
  await new Promise((resolve) => server.close(resolve));
  expect(await isPortFree(port)).toBe(true);
});
