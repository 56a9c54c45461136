/**
 * Where the example's spans go: OpenTelemetry's SDK through `@effect/opentelemetry`, as an application would wire
 * it, with an exporter that keeps the finished spans in memory so that the example can print them as a tree.
 *
 * In an application the only change is the exporter. To send spans and metrics to an OpenTelemetry collector
 * (OTLP over HTTP, port 4318), either through Effect's own OTLP exporter, with no OpenTelemetry SDK at all:
 *
 * ```ts
 * import { Otlp } from "@effect/opentelemetry"
 * import { FetchHttpClient } from "@effect/platform"
 *
 * const Observability = Otlp.layerJson({ baseUrl: "http://localhost:4318", resource: { serviceName: "billing" } })
 *   .pipe(Layer.provide(FetchHttpClient.layer)) // traces, logs, and every Effect metric (the dynalock_* ones too)
 * ```
 *
 * or through the OpenTelemetry SDK (with `@opentelemetry/exporter-trace-otlp-http` and
 * `@opentelemetry/exporter-metrics-otlp-http`):
 *
 * ```ts
 * const Observability = NodeSdk.layer(() => ({
 *   resource: { serviceName: "billing" },
 *   spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter()),
 *   metricReader: new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter() })
 * }))
 * ```
 *
 * and `Effect.provide(Observability)` at the edge of the program, as `run` does with `layer` below.
 */
import { NodeSdk } from "@effect/opentelemetry"
import type { Resource } from "@effect/opentelemetry"
import { SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import type { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base"
import type { Layer } from "effect"

/** The service name the spans are exported under. */
export const serviceName = "dynalock-observability-example"

/**
 * Installs OpenTelemetry's tracer: every span of the program (dynalock's included) ends up in `exporter`. A
 * `SimpleSpanProcessor` hands each span over as it ends; production code batches them (`BatchSpanProcessor`).
 */
export const layer = (exporter: InMemorySpanExporter): Layer.Layer<Resource.Resource> =>
  NodeSdk.layer(() => ({ resource: { serviceName }, spanProcessor: new SimpleSpanProcessor(exporter) }))
