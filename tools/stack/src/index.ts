export { readEnvFile } from './env-file';
export { ensureGoBinaries, type GoBinaries } from './go-binaries';
export { freePort, waitForHttpOk } from './ports';
export { ManagedProcess } from './process';
export {
  PROJECT_BOOTSTRAP,
  REPO_ROOT,
  SERVICE_NAMES,
  type ServiceName,
  Stack,
  type StackOptions,
  type StackPorts,
  servicePort,
} from './stack';
