import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');

/** The caller's environment minus anything a parent's OpenTelemetry setup might have left. */
export function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !/^(OTEL_SERVICE_NAME|NODE_OPTIONS)$/.test(entry[0]),
    ),
  );
}
