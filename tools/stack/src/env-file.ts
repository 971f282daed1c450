import { readFileSync } from 'node:fs';

/** Reads a docker-compose style .env file: KEY=value lines, # comments, no interpolation. */
export function readEnvFile(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1] !== undefined) values[match[1]] = (match[2] ?? '').trim();
  }
  return values;
}

export function requireKey(values: Record<string, string>, key: string): string {
  const value = values[key];
  if (value === undefined || value === '') throw new Error(`.env: ${key} is missing`);
  return value;
}
