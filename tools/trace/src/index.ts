export { getTrace, lastTraceId, type SpanKindName, type StoredSpan } from './jaeger-api';
export { getTraceLogs, parseJsonLines, type StoredLogRecord, traceLogsQuery } from './log-store-api';
export { orderSpans, renderWaterfall, type WaterfallOptions, type WaterfallRow } from './waterfall';
