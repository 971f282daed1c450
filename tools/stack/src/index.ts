export { type Binaries, type BinarySource, ensureBinaries, parseInstallerOutput } from './binaries';
export { rabbitmqInstallation, rabbitmqInstalled } from './components/rabbitmq';
export { readEnvFile } from './env-file';
export { freePort, isPortFree, waitForHttpOk } from './ports';
export { ManagedProcess } from './process';
export {
  DEMO_SERVICE_ENV,
  type GatewayPorts,
  LOCAL_ENVIRONMENT,
  PIPELINE_NAMES,
  type PipelineShape,
  PROJECT_BOOTSTRAP,
  REPO_ROOT,
  SERVICE_NAMES,
  type ServiceName,
  Stack,
  type StackOptions,
  type StackPorts,
  type StartLine,
  serviceNodeOptions,
  servicePort,
  startLine,
} from './stack';
