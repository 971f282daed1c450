import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

export interface RetryOptions {
  /** Spans kept while the Collector cannot be reached; past this the oldest are dropped (and counted). */
  maxBufferedSpans: number;
  /** Spans sent per export while catching up. */
  maxBatchSize: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Where the spans go, for the log line. */
  endpoint: string;
}

export interface RetryStats {
  buffered: number;
  /** Spans given up on because the buffer was full, since start. */
  dropped: number;
}

/**
 * Keeps spans through a Collector outage. The stock OTLP/gRPC exporter drops a batch that
 * fails; this one keeps failed spans in a bounded buffer and retries with exponential backoff,
 * so an outage of a few seconds loses nothing. The batch span processor is always told
 * "success" (the buffer owns failed spans), and during an outage it is told at once, so its own
 * queue never backs up behind a dead connection. An outage is logged once when it starts and
 * once when it ends.
 */
export class RetryingSpanExporter implements SpanExporter {
  private buffer: ReadableSpan[] = [];
  private dropped = 0;
  private backoffMs: number;
  private outageStartedAt: number | undefined;
  private droppedAtOutageStart = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<boolean> | undefined;

  constructor(
    private readonly delegate: SpanExporter,
    private readonly options: RetryOptions,
  ) {
    this.backoffMs = options.initialBackoffMs;
  }

  stats(): RetryStats {
    return { buffered: this.buffer.length, dropped: this.dropped };
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.enqueue(spans);
    const done = () => resultCallback({ code: ExportResultCode.SUCCESS });
    // While an outage lasts, new spans wait for the retry timer instead of hitting a dead
    // connection. Otherwise the processor waits for the real export, so that its forceFlush (at
    // shutdown) still means "delivered".
    if (this.outageStartedAt !== undefined) done();
    else void this.drain().then(done);
  }

  /** Tries to deliver everything buffered; used by forceFlush and on shutdown. */
  async forceFlush(): Promise<void> {
    await this.drain();
    await this.delegate.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    clearTimeout(this.retryTimer);
    await this.drain();
    if (this.buffer.length > 0 || this.dropped > 0) {
      diag.warn(
        `telemetry: shutting down with ${this.buffer.length} spans undelivered; ${this.dropped} dropped earlier while the buffer was full`,
      );
    }
    await this.delegate.shutdown();
  }

  private enqueue(spans: ReadableSpan[]): void {
    this.buffer.push(...spans);
    const overflow = this.buffer.length - this.options.maxBufferedSpans;
    if (overflow > 0) {
      this.buffer.splice(0, overflow);
      this.dropped += overflow;
    }
  }

  /** Sends buffered spans batch by batch until the buffer is empty or an export fails. */
  private drain(): Promise<boolean> {
    this.inFlight ??= this.sendAll().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async sendAll(): Promise<boolean> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, this.options.maxBatchSize);
      const result = await new Promise<ExportResult>((resolve) => this.delegate.export(batch, resolve));
      if (result.code !== ExportResultCode.SUCCESS) {
        this.onFailure(result.error);
        return false;
      }
      // Only now remove them: spans that arrived meanwhile were appended behind the batch.
      this.buffer.splice(0, batch.length);
    }
    this.onSuccess();
    return true;
  }

  private onFailure(error: Error | undefined): void {
    if (this.outageStartedAt === undefined) {
      this.outageStartedAt = Date.now();
      this.droppedAtOutageStart = this.dropped;
      diag.warn(
        `telemetry: cannot export spans to ${this.options.endpoint} (${error?.message ?? 'unknown error'}). ` +
          `Keeping up to ${this.options.maxBufferedSpans} spans and retrying; logged once until it recovers.`,
      );
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.drain(), this.backoffMs);
    this.retryTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs);
  }

  private onSuccess(): void {
    this.backoffMs = this.options.initialBackoffMs;
    if (this.outageStartedAt === undefined) return;
    const seconds = ((Date.now() - this.outageStartedAt) / 1000).toFixed(1);
    diag.warn(`telemetry: span export recovered after ${seconds} s; ${this.dropped - this.droppedAtOutageStart} spans dropped meanwhile`);
    this.outageStartedAt = undefined;
  }
}
