import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';

/** What the OTLP log and metric exporters have in common. */
export interface Exporter<T> {
  export(data: T, resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

export interface OutageReportOptions<T> {
  /** "log records", "metrics": what cannot be exported, in the log lines. */
  what: string;
  /** What `count` counts: "log records", "exports". */
  unit: string;
  /** Where the data goes, for the log line. */
  endpoint: string;
  /** How many of `what` one export carries. */
  count: (data: T) => number;
}

/**
 * For metrics and logs, which are not worth a retry buffer (cumulative metrics catch up with the
 * next export). The stock exporters drop a batch that fails, and the SDK then prints a stack
 * trace for every failure: one every few seconds while the Collector is down. This drops the
 * same batches but says so once when the outage starts and once when it ends, with the count
 * lost, like the span exporter. The SDK is told "success", since the outage is reported here.
 */
export class OutageReportingExporter<T> implements Exporter<T> {
  private outageStartedAt: number | undefined;
  private droppedInOutage = 0;

  constructor(
    private readonly delegate: Exporter<T>,
    private readonly options: OutageReportOptions<T>,
  ) {}

  export(data: T, resultCallback: (result: ExportResult) => void): void {
    this.delegate.export(data, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.onSuccess();
      else this.onFailure(result.error, this.options.count(data));
      resultCallback({ code: ExportResultCode.SUCCESS });
    });
  }

  async forceFlush(): Promise<void> {
    await this.delegate.forceFlush?.();
  }

  shutdown(): Promise<void> {
    return this.delegate.shutdown();
  }

  private onFailure(error: Error | undefined, lost: number): void {
    this.droppedInOutage += lost;
    if (this.outageStartedAt !== undefined) return;
    this.outageStartedAt = Date.now();
    diag.warn(
      `telemetry: cannot export ${this.options.what} to ${this.options.endpoint} (${error?.message ?? 'unknown error'}). ` +
        'Dropping them until it recovers; logged once.',
    );
  }

  private onSuccess(): void {
    if (this.outageStartedAt === undefined) return;
    const seconds = ((Date.now() - this.outageStartedAt) / 1000).toFixed(1);
    const { what, unit } = this.options;
    diag.warn(`telemetry: ${what} export recovered after ${seconds} s; ${this.droppedInOutage} ${unit} dropped meanwhile`);
    this.outageStartedAt = undefined;
    this.droppedInOutage = 0;
  }
}
