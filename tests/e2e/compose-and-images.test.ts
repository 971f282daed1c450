/**
 * What can be checked of the Docker setup without a Docker engine: the compose wiring parsed
 * and checked, the pipeline configs validated by the real Collector and Jaeger binaries, the
 * Dockerfiles' shape, and each service run from its 'pnpm deploy --prod' output (what its image holds).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureBinaries,
  freePort,
  ManagedProcess,
  REPO_ROOT,
  readEnvFile,
  SERVICE_NAMES,
  type ServiceName,
  startLine,
  waitForHttpOk,
} from '@demo/stack';
import { parse } from 'yaml';
import { traceIdOf } from './contract-matcher';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const dotenv = readEnvFile(join(REPO_ROOT, '.env'));

interface ComposeService {
  image?: string;
  read_only?: boolean;
  tmpfs?: string[];
  security_opt?: string[];
  cap_drop?: string[];
  networks?: string[];
  network_mode?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string>; secrets?: string[] };
  environment?: Record<string, string | number>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  command?: string[];
  restart?: string;
  deploy?: { resources?: { limits?: { memory?: string } } };
  volumes?: string[];
}

/**
 * docker-compose.yml with YAML merge keys resolved and ${VAR} / ${VAR:-default} taken from .env,
 * as compose does (innermost first, so a default may name another variable).
 */
function loadCompose(file = 'docker-compose.yml'): {
  services: Record<string, ComposeService>;
  networks: Record<string, { internal?: boolean }>;
} {
  let text = read(file);
  const reference = /\$\{([A-Z0-9_]+)(?::-([^${}]*))?\}/g;
  while (reference.test(text)) {
    text = text.replace(reference, (_, name: string, fallback: string | undefined) => {
      const value = dotenv[name] ?? fallback;
      if (value === undefined) throw new Error(`${file} uses \${${name}}, which .env does not define`);
      return value;
    });
  }
  return parse(text, { merge: true });
}

describe('docker-compose.yml', () => {
  const { services } = loadCompose();
  const apps = SERVICE_NAMES;

  test('holds the three services, the broker, the Collector, Jaeger, Prometheus, VictoriaLogs and the one-shot volume preparer', () => {
    expect(Object.keys(services).sort()).toEqual(
      [...apps, 'init-volumes', 'jaeger', 'load-generator', 'otel-collector', 'prometheus', 'rabbitmq', 'victoria-logs'].sort(),
    );
  });

  test('posts-service publishes to the broker by its name; the broker is on the backend network only, publishes no port, keeps its queue on a volume', () => {
    const broker = services.rabbitmq as ComposeService & { hostname?: string };
    expect(services['posts-service']?.environment).toMatchObject({ AMQP_URL: `amqp://guest:guest@rabbitmq:${dotenv.RABBITMQ_PORT}` });
    expect(broker.image).toBe(`rabbitmq:${dotenv.RABBITMQ_VERSION}`);
    expect({ networks: broker.networks, ports: broker.ports, hostname: broker.hostname }).toEqual({
      networks: ['backend'],
      ports: undefined,
      hostname: 'rabbitmq',
    });
    expect(broker.volumes).toContain('rabbitmq-data:/var/lib/rabbitmq');
    expect(broker.volumes).toContain('./rabbitmq/rabbitmq.conf:/etc/rabbitmq/rabbitmq.conf:ro');
  });

  test('the load generator runs only with --profile load: built from tools/load, sending LOAD_RATE to the frontend', () => {
    const withProfile = Object.entries(services).filter(([, service]) => service.profiles);
    expect(withProfile.map(([name, service]) => [name, service.profiles])).toEqual([['load-generator', ['load']]]);
    const generator = services['load-generator'] as ComposeService;
    expect(generator.build?.args?.SERVICE).toBe('@demo/load');
    expect(generator.command).toEqual(['node', 'dist/cli.js']);
    expect(generator.environment).toMatchObject({
      LOAD_TARGET_URL: `http://frontend:${dotenv.FRONTEND_PORT}`,
      LOAD_RATE: Number(dotenv.LOAD_RATE),
    });
    expect(generator.depends_on?.frontend).toEqual({ condition: 'service_healthy' });
    expect(generator.networks).toEqual(['edge']);
  });

  test('images are pinned to exact versions: the Collector to the local build, Jaeger to a 2.x', () => {
    expect(services['otel-collector']?.image).toBe(`otel/opentelemetry-collector-contrib:${dotenv.OTEL_COLLECTOR_VERSION}`);
    expect(dotenv.OTEL_COLLECTOR_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(services.jaeger?.image).toMatch(/^jaegertracing\/jaeger:2\.\d+\.\d+$/);
    expect(services['init-volumes']?.image).toMatch(/^busybox:\d+\.\d+\.\d+-musl$/);
    expect(services.prometheus?.image).toBe(`prom/prometheus:${dotenv.PROMETHEUS_VERSION}`);
    // The image tag and the Go module release the no-Docker mode builds are the same string.
    expect(services['victoria-logs']?.image).toBe(`victoriametrics/victoria-logs:${dotenv.VICTORIA_LOGS_VERSION}`);
    expect(dotenv.VICTORIA_LOGS_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  test('every base image is the official one unless a variable names another (the offline path)', () => {
    const text = read('docker-compose.yml');
    // ${NAME_IMAGE:-official:${VERSION}}, as compose writes it.
    const variable = (name: string, fallback: string) => `\${${name}:-${fallback}}`;
    const version = (name: string) => `\${${name}}`;
    for (const reference of [
      variable('COLLECTOR_IMAGE', `otel/opentelemetry-collector-contrib:${version('OTEL_COLLECTOR_VERSION')}`),
      variable('JAEGER_IMAGE', `jaegertracing/jaeger:${version('JAEGER_VERSION')}`),
      variable('PROMETHEUS_IMAGE', `prom/prometheus:${version('PROMETHEUS_VERSION')}`),
      variable('VICTORIA_LOGS_IMAGE', `victoriametrics/victoria-logs:${version('VICTORIA_LOGS_VERSION')}`),
      variable('RABBITMQ_IMAGE', `rabbitmq:${version('RABBITMQ_VERSION')}`),
      variable('BUSYBOX_IMAGE', `busybox:${version('BUSYBOX_VERSION')}`),
      variable('NODE_IMAGE', `node:${version('NODE_VERSION')}-bookworm-slim`),
    ]) {
      expect(text).toContain(reference);
    }
    // .env names none of them: an ordinary machine gets the official images.
    for (const name of [
      'NODE_IMAGE',
      'COLLECTOR_IMAGE',
      'JAEGER_IMAGE',
      'PROMETHEUS_IMAGE',
      'VICTORIA_LOGS_IMAGE',
      'RABBITMQ_IMAGE',
      'BUSYBOX_IMAGE',
    ]) {
      expect([name, dotenv[name]]).toEqual([name, undefined]);
    }
  });

  test('Prometheus runs the version the no-Docker mode builds: v3.x.y is the Go module v0.3xx.y', () => {
    const [, minor, patch] = /^v3\.(\d+)\.(\d+)$/.exec(dotenv.PROMETHEUS_VERSION ?? '') ?? [];
    expect(dotenv.PROMETHEUS_GO_MODULE_VERSION).toBe(`v0.${300 + Number(minor)}.${patch}`);
  });

  test('Prometheus takes remote writes from the Collector; Jaeger and the Collector find it by name', () => {
    const prometheus = services.prometheus as ComposeService & { command?: string[] };
    expect(prometheus.command).toContain('--web.enable-remote-write-receiver');
    expect(prometheus.volumes).toContain('./prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(prometheus.healthcheck?.test.join(' ')).toContain('/-/ready');
    expect(services['otel-collector']?.depends_on?.prometheus).toEqual({ condition: 'service_healthy' });
    const collectorConfig = parse(read('otel-collector-config.yaml'));
    const jaegerConfig = parse(read('jaeger-config.yaml'));
    // The ${env:VAR:-default} of both configs: the default is the compose address.
    expect(collectorConfig.exporters.prometheus_remote_write.endpoint).toBe(
      envWithDefault('PROMETHEUS_REMOTE_WRITE_URL', 'http://prometheus:9090/api/v1/write'),
    );
    expect(jaegerConfig.extensions.jaeger_storage.metric_backends.prometheus_metrics.prometheus.endpoint).toBe(
      envWithDefault('PROMETHEUS_URL', 'http://prometheus:9090'),
    );
  });

  test.each(apps)('%s: named, exports OTLP/HTTP to otel-collector:4318, waits for a healthy Collector, checks /readyz', (name) => {
    const service = services[name] as ComposeService;
    expect(service.environment?.OTEL_SERVICE_NAME).toBe(name);
    expect(service.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
    expect(service.environment?.OTEL_EXPORTER_OTLP_PROTOCOL).toBe('http/protobuf');
    expect(service.depends_on?.['otel-collector']).toEqual({ condition: 'service_healthy' });
    // posts-service is asked over gRPC (grpc.health.v1), which says SERVING once both of its servers listen.
    expect(service.healthcheck?.test.join(' ')).toContain(name === 'posts-service' ? 'dist/grpc-health-probe.js' : '/readyz');
    expect(service.build?.dockerfile).toBe('services/Dockerfile');
    expect(service.build?.args).toEqual({
      NODE_VERSION: dotenv.NODE_VERSION,
      NODE_IMAGE: `node:${dotenv.NODE_VERSION}-bookworm-slim`,
      SERVICE: name,
    });
    expect(service.build?.secrets).toEqual(['build_ca']);
  });

  test('the compose demo lets users inject faults; .env leaves it off for every other run', () => {
    for (const name of apps) expect([name, services[name]?.environment?.FAULT_INJECTION_ENABLED]).toEqual([name, 'true']);
    expect(dotenv.FAULT_INJECTION_ENABLED).toBe('false');
  });

  test('the call chain waits for healthy downstreams and addresses them by service name', () => {
    expect(services.frontend?.depends_on?.['users-service']).toEqual({ condition: 'service_healthy' });
    expect(services['users-service']?.depends_on?.['posts-service']).toEqual({ condition: 'service_healthy' });
    expect(services.frontend?.environment?.USERS_SERVICE_URL).toBe(`http://users-service:${dotenv.USERS_SERVICE_PORT}`);
    expect(services['users-service']?.environment?.POSTS_SERVICE_URL).toBe(`http://posts-service:${dotenv.POSTS_SERVICE_PORT}`);
    expect(services['users-service']?.environment?.POSTS_SERVICE_GRPC_ADDRESS).toBe(`posts-service:${dotenv.POSTS_SERVICE_GRPC_PORT}`);
    expect(services['posts-service']?.environment?.GRPC_PORT).toBe(Number(dotenv.POSTS_SERVICE_GRPC_PORT));
  });

  test('the Collector uses the shared config, exports to jaeger, and waits for a healthy Jaeger', () => {
    const collector = services['otel-collector'] as ComposeService;
    expect(collector.volumes).toContain('./otel-collector-config.yaml:/etc/otelcol/config.yaml:ro');
    expect(collector.environment?.JAEGER_OTLP_GRPC_ENDPOINT).toBe(`jaeger:${dotenv.JAEGER_OTLP_GRPC_PORT}`);
    expect(collector.depends_on?.jaeger).toEqual({ condition: 'service_healthy' });
    expect(collector.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${dotenv.COLLECTOR_HEALTH_PORT}/`);
    expect(services.jaeger?.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${dotenv.JAEGER_HEALTH_PORT}/status`);
    expect(services.jaeger?.volumes).toContain('./jaeger-config.yaml:/etc/jaeger/config.yaml:ro');
  });

  test('every long-running container has a healthcheck, a restart policy and a memory limit', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'init-volumes') continue;
      expect([name, (service.healthcheck?.test.length ?? 0) > 1]).toEqual([name, true]);
      expect([name, service.restart]).toEqual([name, 'unless-stopped']);
      expect([name, service.deploy?.resources?.limits?.memory]).toEqual([name, expect.stringMatching(/^\d+M$/)]);
    }
  });

  test.each(apps)('%s runs least-privileged: read-only root, tmpfs /tmp, no new privileges, no capabilities', (name) => {
    const service = services[name] as ComposeService;
    expect(service.read_only).toBe(true);
    expect(service.tmpfs).toEqual(['/tmp']);
    expect(service.security_opt).toContain('no-new-privileges:true');
    expect(service.cap_drop).toEqual(['ALL']);
    expect(service.environment?.NODE_OPTIONS).toBe(
      `--max-old-space-size=${dotenv.SERVICE_HEAP_MB} --max-semi-space-size=${dotenv.SERVICE_SEMI_SPACE_MB}`,
    );
  });

  test('the Collector, Jaeger and VictoriaLogs run least-privileged too; VictoriaLogs, whose image runs as root, as uid 10001', () => {
    for (const name of ['otel-collector', 'jaeger', 'victoria-logs']) {
      const service = services[name] as ComposeService;
      expect([name, service.read_only, service.security_opt, service.cap_drop]).toEqual([name, true, ['no-new-privileges:true'], ['ALL']]);
    }
    expect((services['victoria-logs'] as ComposeService & { user?: string }).user).toBe('10001:10001');
  });

  test('users-service and posts-service sit only on the internal network', () => {
    expect(loadCompose().networks.backend).toEqual({ internal: true });
    expect(services['users-service']?.networks).toEqual(['backend']);
    expect(services['posts-service']?.networks).toEqual(['backend']);
    for (const name of ['frontend', 'otel-collector', 'jaeger', 'victoria-logs'])
      expect([name, services[name]?.networks]).toEqual([name, ['edge', 'backend']]);
    expect(services['init-volumes']?.network_mode).toBe('none');
  });

  test("memory: the heap fits the container, the Collector's memory_limiter is 80% of its container, Jaeger's traces are bounded", () => {
    const mb = (key: string) => Number(dotenv[key]);
    // Below ~128 MB V8 runs full GCs back to back under load (see .env).
    expect(mb('SERVICE_HEAP_MB')).toBeGreaterThan(128);
    expect(mb('SERVICE_HEAP_MB') + 128).toBeLessThanOrEqual(mb('SERVICE_MEMORY_MB'));
    expect(mb('COLLECTOR_MEMORY_LIMIT_MIB')).toBeLessThanOrEqual(mb('COLLECTOR_MEMORY_MB') * 0.8);
    expect(services['otel-collector']?.environment?.COLLECTOR_MEMORY_LIMIT_MIB).toBe(mb('COLLECTOR_MEMORY_LIMIT_MIB'));
    expect(services.jaeger?.environment?.JAEGER_MAX_TRACES).toBe(mb('JAEGER_MAX_TRACES'));
    expect(mb('JAEGER_MAX_TRACES')).toBeGreaterThan(0);
  });

  test('only the frontend, the Jaeger UI, OTLP, Prometheus and the log store are published, all on PUBLISH_ADDRESS (127.0.0.1)', () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => `${name} ${p}`));
    expect(dotenv.PUBLISH_ADDRESS).toBe('127.0.0.1');
    expect(published.sort()).toEqual(
      [
        `frontend 127.0.0.1:${dotenv.FRONTEND_PORT}:${dotenv.FRONTEND_PORT}`,
        `jaeger 127.0.0.1:${dotenv.JAEGER_UI_PORT}:16686`,
        `otel-collector 127.0.0.1:${dotenv.COLLECTOR_OTLP_GRPC_PORT}:4317`,
        `otel-collector 127.0.0.1:${dotenv.COLLECTOR_OTLP_HTTP_PORT}:4318`,
        `prometheus 127.0.0.1:${dotenv.PROMETHEUS_PORT}:9090`,
        `victoria-logs 127.0.0.1:${dotenv.VICTORIA_LOGS_PORT}:9428`,
      ].sort(),
    );
  });

  test("Jaeger's traces, the Collector's queue and the logs live in named volumes, handed to uid 10001 before any starts", () => {
    expect(services.jaeger?.volumes).toContain('jaeger-data:/badger');
    expect(services['otel-collector']?.volumes).toContain('collector-queue:/var/lib/otelcol/file_storage');
    expect(services['victoria-logs']?.volumes).toContain('victoria-logs-data:/victoria-logs-data');
    const init = services['init-volumes'] as ComposeService & { command: string[]; cap_add?: string[] };
    expect(init.volumes).toEqual(
      expect.arrayContaining([
        'jaeger-data:/data/jaeger',
        'collector-queue:/data/collector-queue',
        'victoria-logs-data:/data/victoria-logs',
      ]),
    );
    expect(init.command.join(' ')).toContain('chown 10001:10001 /data/*');
    expect([init.read_only, init.cap_drop, init.cap_add]).toEqual([true, ['ALL'], ['CHOWN']]);
    for (const name of ['jaeger', 'otel-collector', 'victoria-logs']) {
      expect([name, services[name]?.depends_on?.['init-volumes']]).toEqual([name, { condition: 'service_completed_successfully' }]);
    }
    expect(services.jaeger?.environment?.JAEGER_TRACE_STORAGE).toBe('badger_store');
  });

  test('the log store keeps its data on the volume, with the retention period and disk bound of .env, and the Collector waits for it', () => {
    const store = services['victoria-logs'] as ComposeService & { command: string[] };
    expect(store.command).toEqual([
      '-storageDataPath=/victoria-logs-data',
      `-retentionPeriod=${dotenv.VICTORIA_LOGS_RETENTION}`,
      `-retention.maxDiskSpaceUsageBytes=${dotenv.VICTORIA_LOGS_MAX_DISK_BYTES}`,
    ]);
    expect(store.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:9428/health');
    expect(services['otel-collector']?.depends_on?.['victoria-logs']).toEqual({ condition: 'service_healthy' });
    expect(services['otel-collector']?.environment?.VICTORIA_LOGS_OTLP_LOGS_URL).toBe(
      'http://victoria-logs:9428/insert/opentelemetry/v1/logs',
    );
  });

  test("Jaeger's UI gets the repo's UI config, whose logs link opens the log store's UI on the port .env publishes", () => {
    expect(services.jaeger?.volumes).toContain('./jaeger-ui-config.json:/etc/jaeger/ui-config.json:ro');
    const jaegerConfig = parse(read('jaeger-config.yaml'));
    expect(jaegerConfig.extensions.jaeger_query.ui.config_file).toBe(envWithDefault('JAEGER_UI_CONFIG_FILE', '/etc/jaeger/ui-config.json'));
    const uiConfig = JSON.parse(read('jaeger-ui-config.json')) as { linkPatterns: { type: string; url: string; text: string }[] };
    expect(uiConfig.linkPatterns).toEqual([
      {
        type: 'traces',
        text: 'Logs for this trace',
        url: expect.stringMatching(
          new RegExp(`^http://localhost:${dotenv.VICTORIA_LOGS_PORT}/select/vmui/#/\\?query=trace_id%3A#\\{traceID\\}&`),
        ),
      },
    ]);
  });

  test('a proxy CA reaches the builds as a secret; by default the secret holds no certificate', () => {
    const compose = parse(read('docker-compose.yml'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own ${VAR:-default} syntax
    expect(compose.secrets).toEqual({ build_ca: { file: '${BUILD_CA_FILE:-tools/compose/no-build-ca.pem}' } });
    expect(read('tools/compose/no-build-ca.pem')).not.toContain('BEGIN CERTIFICATE');
  });
});

describe('docker-compose.two-tier.yml', () => {
  const base = loadCompose().services;
  const { services } = loadCompose('docker-compose.two-tier.yml');
  const gateway = services['otel-gateway'] as ComposeService & { command: string[]; deploy: { replicas: number } };

  test('the agent is the same Collector with two-tier/agent.yaml and the DNS resolver merged over its config', () => {
    const agent = services['otel-collector'] as ComposeService & { command: string[] };
    expect(agent.command).toEqual([
      '--config=/etc/otelcol/config.yaml',
      '--config=/etc/otelcol/agent.yaml',
      '--config=/etc/otelcol/gateways.yaml',
    ]);
    expect(agent.volumes).toEqual([
      './two-tier/agent.yaml:/etc/otelcol/agent.yaml:ro',
      './two-tier/gateways-dns.yaml:/etc/otelcol/gateways.yaml:ro',
    ]);
    expect(agent.depends_on?.['otel-gateway']).toEqual({ condition: 'service_healthy' });
  });

  test('GATEWAY_REPLICAS gateways of the same image, on the internal network only, each with its health and memory limit', () => {
    expect(gateway.image).toBe(base['otel-collector']?.image);
    expect(gateway.deploy.replicas).toBe(Number(dotenv.GATEWAY_REPLICAS));
    expect(gateway.networks).toEqual(['backend']);
    expect(gateway.ports).toBeUndefined();
    expect(gateway.volumes).toContain('./two-tier/gateway.yaml:/etc/otelcol/config.yaml:ro');
    expect(gateway.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${dotenv.COLLECTOR_HEALTH_PORT}/`);
    expect(gateway.deploy).toMatchObject({ resources: { limits: { memory: `${dotenv.COLLECTOR_MEMORY_MB}M` } } });
    expect([gateway.read_only, gateway.security_opt, gateway.cap_drop]).toEqual([true, ['no-new-privileges:true'], ['ALL']]);
  });

  test('the gateways keep their queues in a volume the preparer hands to uid 10001', () => {
    expect(gateway.volumes).toContain('gateway-queue:/var/lib/otelcol/file_storage');
    expect(services['init-volumes']?.volumes).toEqual(['gateway-queue:/data/gateway-queue']);
  });
});

describe('otel-collector-config.yaml', () => {
  const config = parse(read('otel-collector-config.yaml'));

  test('traces: memory_limiter, no batch processor; OTLP in; Jaeger over OTLP/gRPC and debug out; health_check on', () => {
    expect(config.service.pipelines.traces).toEqual({
      receivers: ['otlp'],
      processors: ['memory_limiter'],
      exporters: ['otlp_grpc/jaeger', 'span_metrics', 'debug'],
    });
    expect(config.service.extensions).toEqual(['health_check', 'file_storage/queue']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Collector's own ${env:...} syntax
    expect(config.exporters['otlp_grpc/jaeger'].endpoint).toBe('${env:JAEGER_OTLP_GRPC_ENDPOINT:-jaeger:4317}');
    expect(config.exporters.debug.verbosity).toBe('basic');
  });

  test('the queue toward Jaeger is on disk, bounded in bytes, and batches after it has persisted', () => {
    const queue = config.exporters['otlp_grpc/jaeger'].sending_queue;
    expect(queue).toMatchObject({
      enabled: true,
      storage: envWithDefault('COLLECTOR_QUEUE_STORAGE', 'file_storage/queue'),
      sizer: 'bytes',
      queue_size: envWithDefault('COLLECTOR_QUEUE_MAX_BYTES', '67108864'),
      batch: { sizer: 'items', min_size: 1024, max_size: 2048 },
    });
    expect(config.extensions['file_storage/queue']).toMatchObject({
      directory: envWithDefault('COLLECTOR_QUEUE_DIRECTORY', '/var/lib/otelcol/file_storage'),
      max_size: envWithDefault('COLLECTOR_QUEUE_FILE_MAX_BYTES', '134217728'),
    });
  });

  test("metrics (the SDKs' and those span_metrics derives from spans) go to Prometheus", () => {
    expect(config.service.pipelines.metrics).toEqual({
      receivers: ['otlp', 'span_metrics'],
      processors: ['memory_limiter', 'batch'],
      exporters: ['prometheus_remote_write'],
    });
  });

  test('logs go to VictoriaLogs only (no console dump), through a queue on disk like the traces, with retries', () => {
    expect(config.service.pipelines.logs).toEqual({
      receivers: ['otlp'],
      processors: ['memory_limiter'],
      exporters: ['otlp_http/victoria_logs'],
    });
    const exporter = config.exporters['otlp_http/victoria_logs'];
    expect(exporter.logs_endpoint).toBe(
      envWithDefault('VICTORIA_LOGS_OTLP_LOGS_URL', 'http://victoria-logs:9428/insert/opentelemetry/v1/logs'),
    );
    expect(exporter.sending_queue).toMatchObject({
      enabled: true,
      storage: envWithDefault('COLLECTOR_QUEUE_STORAGE', 'file_storage/queue'),
      sizer: 'bytes',
      queue_size: envWithDefault('COLLECTOR_QUEUE_MAX_BYTES', '67108864'),
    });
    expect(exporter.retry_on_failure).toMatchObject({ enabled: true, max_elapsed_time: '5m' });
    expect(Object.keys(config.exporters)).not.toContain('debug/logs');
  });

  const binaries = ensureBinaries(REPO_ROOT);

  test('the Collector built from the same release validates it', () => {
    const result = spawnSync(binaries.collector, ['validate', '--config', join(REPO_ROOT, 'otel-collector-config.yaml')], {
      encoding: 'utf8',
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  test('and would reject a broken one (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-'));
    const broken = join(dir, 'broken.yaml');
    writeFileSync(
      broken,
      read('otel-collector-config.yaml').replace('exporters: [otlp_grpc/jaeger, span_metrics, debug]', 'exporters: [otlp_grpc/nowhere]'),
    );
    const status = spawnSync(binaries.collector, ['validate', '--config', broken]).status;
    rmSync(dir, { recursive: true });
    expect(status).not.toBe(0);
  });

  test.each([
    ['the agent tier, gateways by DNS (compose)', ['otel-collector-config.yaml', 'two-tier/agent.yaml', 'two-tier/gateways-dns.yaml']],
    ['the agent tier, gateways listed (no-Docker)', ['otel-collector-config.yaml', 'two-tier/agent.yaml', 'two-tier/gateways-static.yaml']],
    ['the gateway tier', ['two-tier/gateway.yaml']],
  ])('the Collector validates %s', (_, files) => {
    const args = ['validate', ...files.flatMap((file) => ['--config', join(REPO_ROOT, file)])];
    const env = { ...process.env, COLLECTOR_GATEWAYS: '[127.0.0.1:1, 127.0.0.1:2]', HOSTNAME: 'gateway-1' };
    const result = spawnSync(binaries.collector, args, { encoding: 'utf8', env });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  test('Jaeger validates jaeger-config.yaml', () => {
    const result = spawnSync(binaries.jaeger, ['validate', '--config', join(REPO_ROOT, 'jaeger-config.yaml')], { encoding: 'utf8' });
    expect(result.status).toBe(0);
  });
});

describe('services/Dockerfile', () => {
  const dockerfile = read('services/Dockerfile');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));

  test('two stages on the same Node image; the runtime holds only the deploy output, as a non-root user', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile ARG references, not templates
    const nodeImage = ['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE}'];
    expect(dockerfile.split('\n').filter((line) => line.startsWith('FROM '))).toEqual(nodeImage);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile ARG reference
    expect(dockerfile).toContain('ARG NODE_IMAGE=node:${NODE_VERSION}-bookworm-slim');
    expect(runtime.match(/^COPY .*/gm)).toEqual(['COPY --from=build /out ./']);
    expect(runtime).toMatch(/^USER node$/m);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile ARG reference
    expect(dockerfile).toContain('--filter "${SERVICE}" --offline deploy --prod /out');
    // The start line is the service's own "start" script (pnpm deploy keeps package.json).
    expect(dockerfile).toContain(`printf 'exec %s\\n' "$(node -p 'require("./package.json").scripts.start')" > start.sh`);
    expect(runtime).toContain('CMD ["/bin/sh", "start.sh"]');
  });

  test('dependencies are fetched once for every service, from the lockfile alone, trusting a proxy CA only as a secret', () => {
    const fetch = dockerfile.indexOf('pnpm fetch --frozen-lockfile');
    expect(fetch).toBeGreaterThan(0);
    // Only the manifests are in the image when dependencies are fetched: a source change keeps that layer.
    expect(dockerfile.slice(0, fetch).match(/^COPY .*/gm)).toEqual(['COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./']);
    expect(dockerfile).toContain('RUN pnpm install --offline --frozen-lockfile');
    expect(dockerfile.indexOf('ARG SERVICE')).toBeGreaterThan(fetch);
    expect(dockerfile).toContain('RUN --mount=type=secret,id=build_ca');
    expect(dockerfile).not.toMatch(/^COPY .*\.pem/m);
    // A '# syntax=' line would pull a Dockerfile frontend image from a registry.
    expect(dockerfile).not.toMatch(/^# *syntax=/m);
  });
});

test('.dockerignore keeps host builds, dependencies and caches out of the build context', () => {
  const ignored = read('.dockerignore').split('\n');
  for (const entry of ['**/node_modules', '**/dist', '.git', '.toolchain', '.cache']) expect(ignored).toContain(entry);
});

test('.gitignore keeps what the offline path writes (its env file, the CA copy in .cache) out of git', () => {
  const ignored = read('.gitignore').split('\n');
  for (const entry of ['compose.offline.env', '.cache/']) expect(ignored).toContain(entry);
});

describe('each service run from its pnpm deploy --prod output', () => {
  const outputs = new Map<string, string>();
  const running: ManagedProcess[] = [];
  const parent = mkdtempSync(join(tmpdir(), 'deploy-'));

  beforeAll(() => {
    for (const name of SERVICE_NAMES) {
      const out = join(parent, name);
      execFileSync('pnpm', ['--config.inject-workspace-packages=true', '--filter', name, 'deploy', '--prod', out], {
        cwd: REPO_ROOT,
        stdio: 'pipe',
      });
      outputs.set(name, out);
    }
  });

  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    rmSync(parent, { recursive: true, force: true });
  });

  test('holds no dev dependencies and no sources', () => {
    for (const [name, out] of outputs) {
      expect([name, existsSync(join(out, 'dist/server.js'))]).toEqual([name, true]);
      expect([name, existsSync(join(out, 'src'))]).toEqual([name, false]);
      expect([name, existsSync(join(out, 'node_modules/typescript'))]).toEqual([name, false]);
      expect([name, existsSync(join(out, 'node_modules/@demo/telemetry/dist/register.js'))]).toEqual([name, true]);
    }
  });

  test('the three serve a traced request chained together, with no Collector running', async () => {
    const [posts, users, frontend] = [await freePort(), await freePort(), await freePort()];
    const env = (service: string, port: number, extra: Record<string, string> = {}) => ({
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_LOG_LEVEL: 'none',
      ...extra,
    });
    const start = (service: ServiceName, port: number, extra?: Record<string, string>) => {
      const cwd = outputs.get(service) as string;
      const child = new ManagedProcess(
        {
          name: service,
          command: process.execPath,
          args: [startLine(service).preloadFlag, '@demo/telemetry/register', startLine(service).entry],
          cwd,
          env: env(service, port, extra),
        },
        { echo: false },
      );
      running.push(child);
      return waitForHttpOk(`http://127.0.0.1:${port}/readyz`, 15_000, () => child.isRunning);
    };
    await start('posts-service', posts);
    await start('users-service', users, { POSTS_SERVICE_URL: `http://127.0.0.1:${posts}` });
    await start('frontend', frontend, { USERS_SERVICE_URL: `http://127.0.0.1:${users}` });
    const response = await fetch(`http://127.0.0.1:${frontend}/api/users/1`);
    expect(response.status).toBe(200);
    expect(traceIdOf(response.headers.get('traceresponse'))).toMatch(/^[0-9a-f]{32}$/);
    expect(((await response.json()) as { id: number }).id).toBe(1);
  });
});

/** The Collector's and Jaeger's `${env:NAME:-default}` reference. */
function envWithDefault(name: string, fallback: string): string {
  return `\${env:${name}:-${fallback}}`;
}
