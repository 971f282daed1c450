import { rabbitmqInstalled } from '@demo/stack';

/**
 * `describe` for suites that need RabbitMQ (tools/rabbitmq.sh). In CI a missing broker fails the
 * run loudly; elsewhere the suite is skipped, with a line saying how to install it.
 */
export function describeWithBroker(suite: string): jest.Describe {
  if (rabbitmqInstalled()) return describe;
  if (process.env.CI) throw new Error(`${suite}: RabbitMQ is not installed; .ci/run runs tools/rabbitmq.sh first`);
  console.warn(`${suite} skipped: RabbitMQ is not installed (sudo tools/rabbitmq.sh installs it)`);
  return describe.skip;
}
