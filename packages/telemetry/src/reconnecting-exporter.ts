import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { Exporter } from './outage-reporting-exporter';

/**
 * Opens a fresh connection when exports fail, at most once every `freshEveryMs`.
 *
 * grpc-js sets no timeout on a connection attempt: one whose SYN is dropped waits for the kernel
 * to give up (about two minutes on Linux), and exports meanwhile fail on their deadline. The OTLP
 * exporter replaces its client only after its sixth DEADLINE_EXCEEDED in a row. In Kubernetes a
 * pod that starts before its node's agent sends its first SYN to a Service with no local endpoint,
 * which drops it: the day-two suite saw a pod's spans, logs and metrics missing for over a
 * minute after the agent was up. A new exporter, on a connection of its own, reaches the agent as
 * soon as it is there. The old one is shut down.
 */
export class ReconnectingExporter<T> implements Exporter<T> {
  private current: Exporter<T>;
  private createdAt = Date.now();
  private connections = 1;
  private failing = false;

  /** `create(n)` makes the n-th exporter, whose connection must be its own (otlp-exporters.ts). */
  constructor(
    private readonly create: (connection: number) => Exporter<T>,
    private readonly options: { freshEveryMs: number; what: string; endpoint: string },
  ) {
    this.current = create(this.connections);
  }

  export(data: T, resultCallback: (result: ExportResult) => void): void {
    const used = this.current;
    used.export(data, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.failing = false;
      else if (used === this.current) this.reconnectIfDue();
      resultCallback(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.current.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.current.shutdown();
  }

  private reconnectIfDue(): void {
    if (Date.now() - this.createdAt < this.options.freshEveryMs) return;
    if (!this.failing) {
      this.failing = true;
      diag.warn(
        `telemetry: ${this.options.what}: opening a fresh connection to ${this.options.endpoint}, ` +
          `and again every ${this.options.freshEveryMs / 1000} s while exports fail; logged once.`,
      );
    }
    const old = this.current;
    this.connections++;
    this.current = this.create(this.connections);
    this.createdAt = Date.now();
    old.shutdown().catch(() => undefined);
  }
}
