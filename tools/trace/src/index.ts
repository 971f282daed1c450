export { getTrace, lastTraceId, type SpanKindName, type StoredSpan } from './jaeger-api';
export { orderSpans, renderWaterfall, type WaterfallRow } from './waterfall';
