/** Reads a whole number setting from the environment, failing fast with a clear message. */
export function readIntEnv(name: string, fallback: number, env = process.env, range = { min: 1, max: 2 ** 31 - 1 }): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new Error(`${name} must be a whole number from ${range.min} to ${range.max}, got "${raw}"`);
  }
  return value;
}

export function readStringEnv(name: string, fallback: string, env = process.env): string {
  const raw = env[name]?.trim();
  return raw ? raw : fallback;
}

/** A boolean setting: only "true" (any case) is true, as the OpenTelemetry variables read it. */
export function readBoolEnv(name: string, env = process.env): boolean {
  return env[name]?.trim().toLowerCase() === 'true';
}
