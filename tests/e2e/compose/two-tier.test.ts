/**
 * The production shape in compose, as docs/production.md gives it:
 * `docker compose -f docker-compose.yml -f docker-compose.two-tier.yml up --build --wait`.
 * The agent finds the gateway replicas through Docker's DNS, routes each trace to one, and the
 * gateways keep what the tail-sampling policies keep. Same project name as the main compose
 * suite, so that it reuses its images; the two run one after the other (--runInBand).
 */
import { join } from 'node:path';
import { REPO_ROOT, readEnvFile } from '@demo/stack';
import { traceIdOf } from '../contract-matcher';
import { waitForTrace } from '../jaeger';
import { report } from '../load';
import { tourTraceSpans } from '../readme-tour';
import { ComposeProject, dockerUnavailableReason } from './compose-project';

const dotenv = readEnvFile(join(REPO_ROOT, '.env'));
const ERROR = '/api/users/1?fault=posts-service:error=503';

const unavailable = dockerUnavailableReason();
if (unavailable) process.stdout.write(`two-tier compose suite not run: ${unavailable}\n`);

(unavailable ? describe.skip : describe)('docker compose -f docker-compose.yml -f docker-compose.two-tier.yml up', () => {
  let project: ComposeProject;

  beforeAll(async () => {
    project = await ComposeProject.create({ files: ['docker-compose.yml', 'docker-compose.two-tier.yml'] });
    const up = await project.compose(['up', '--build', '--wait', '--wait-timeout', '180'], 20 * 60_000);
    if (up.code !== 0) throw new Error(`docker compose up failed (${up.code}):\n${up.stderr.slice(-4000)}\n${await project.logs()}`);
    report('two-tier up --build --wait', { healthyAfterS: (up.ms / 1000).toFixed(1) }, 'compose report');
  }, 21 * 60_000);

  afterAll(async () => {
    if (project) await project.compose(['down', '--volumes', '--remove-orphans']);
  }, 120_000);

  test('GATEWAY_REPLICAS healthy gateways behind the agent', async () => {
    const gateways = (await project.containers()).filter((c) => c.Service === 'otel-gateway');
    expect(gateways.map((c) => c.Health)).toEqual(Array.from({ length: Number(dotenv.GATEWAY_REPLICAS) }, () => 'healthy'));
  });

  test('an error trace goes agent, gateway (found by DNS), Jaeger: kept by the tail sampler, whole', async () => {
    const response = await fetch(`${project.frontendUrl}${ERROR}`);
    expect(response.status).toBe(502);
    const traceId = traceIdOf(response.headers.get('traceresponse'));
    const { spans, visibleAfterMs } = await waitForTrace(project.jaegerUrl, traceId, tourTraceSpans(ERROR), { timeoutMs: 30_000 });
    report('two-tier error trace', { spans: spans.length, visibleAfterMs }, 'compose report');
    expect(spans).toHaveLength(tourTraceSpans(ERROR));
  });
});
