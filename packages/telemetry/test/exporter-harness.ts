import { diag } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';

/** What the telemetry bootstrap reports through diag.warn, collected anew for each test. */
export function captureDiagWarnings(): string[] {
  const warnings: string[] = [];
  beforeEach(() => {
    warnings.length = 0;
    jest.spyOn(diag, 'warn').mockImplementation((message: string) => {
      warnings.push(message);
    });
  });
  afterEach(() => jest.restoreAllMocks());
  return warnings;
}

/** One export call, awaited: the result the SDK would be told. */
export function exportNow<T>(exporter: { export(data: T, done: (result: ExportResult) => void): void }, data: T): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(data, resolve));
}
