/**
 * The message broker of the no-Docker mode (tools/stack's rabbitmq component), alone: the real
 * RabbitMQ, started as a local process on private ports, reached with amqplib, restarted, stopped.
 * posts-service's view events use it (view-events.test.ts); this is the broker's own contract: a
 * confirmed, persistent message on a durable queue survives a broker restart, and stopping the
 * stack leaves no broker and no port mapper behind.
 */
import { existsSync } from 'node:fs';
import { isPortFree, PIPELINE_NAMES, SERVICE_NAMES, Stack } from '@demo/stack';
import { connect } from 'amqplib';
import { describeWithBroker } from './rabbitmq';

const MESSAGES = 200;
const QUEUE = 'broker-test.durable';

describeWithBroker('broker.test.ts')('RabbitMQ as a local process', () => {
  let stack: Stack;
  let started = 0;

  beforeAll(async () => {
    const begun = performance.now();
    stack = await Stack.start({ ports: 'free', broker: true, without: [...PIPELINE_NAMES, ...SERVICE_NAMES], startTimeoutMs: 60_000 });
    started = performance.now() - begun;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  test('answers on its metrics port once AMQP is up', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${stack.ports.broker?.metrics}/metrics`)).text();
    expect(metrics).toMatch(/^rabbitmq_/m);
    const connection = await connect(stack.brokerUrl);
    await connection.close();
    console.log(`[broker report] ready after ${(started / 1000).toFixed(1)} s`);
  });

  test('confirmed persistent messages on a durable queue survive a broker restart, every one', async () => {
    let connection = await connect(stack.brokerUrl);
    const publisher = await connection.createConfirmChannel();
    await publisher.assertQueue(QUEUE, { durable: true });
    for (let index = 0; index < MESSAGES; index++) publisher.sendToQueue(QUEUE, Buffer.from(String(index)), { persistent: true });
    await publisher.waitForConfirms();
    await connection.close();

    const restartBegun = performance.now();
    await stack.process('rabbitmq').stop(30_000);
    await stack.start('rabbitmq');
    const restart = performance.now() - restartBegun;

    connection = await connect(stack.brokerUrl);
    const consumer = await connection.createChannel();
    expect((await consumer.checkQueue(QUEUE)).messageCount).toBe(MESSAGES);
    const received: number[] = [];
    for (let message = await consumer.get(QUEUE); message; message = await consumer.get(QUEUE)) {
      received.push(Number(message.content.toString()));
      consumer.ack(message);
    }
    await connection.close();
    expect(received).toEqual(Array.from({ length: MESSAGES }, (_, index) => index));
    console.log(
      `[broker report] ${JSON.stringify({ published: MESSAGES, confirmed: MESSAGES, afterRestart: received.length, restartS: Number((restart / 1000).toFixed(1)) })}`,
    );
  }, 120_000);

  test('stopping the stack leaves no broker and no port mapper behind', async () => {
    const ports = stack.ports.broker as NonNullable<typeof stack.ports.broker>;
    const broker = stack.process('rabbitmq').pid;
    await stack.stop();
    expect({
      brokerAlive: existsSync(`/proc/${broker}`),
      amqp: await isPortFree(ports.amqp),
      distribution: await isPortFree(ports.distribution),
      epmd: await isPortFree(ports.epmd),
    }).toEqual({ brokerAlive: false, amqp: true, distribution: true, epmd: true });
  }, 60_000);
});
