/**
 * A tracer whose spans record what an exporter needs (name, parent, attributes, links, times, outcome) in one small
 * object each, with ids from a counter. Against Effect's own span objects (two random ids built a character at a
 * time, an event list, a copy of the links) it splits what spans cost into dynalock's part and the span object's.
 */
import { Option, Tracer } from "effect"
import type { Context, Exit } from "effect"

let lastId = 0

class BareSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId: string
  readonly traceId: string
  readonly sampled = true
  readonly attributes = new Map<string, unknown>()
  status: Tracer.SpanStatus
  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    public links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind
  ) {
    this.spanId = String(++lastId)
    this.traceId = Option.isSome(parent) ? parent.value.traceId : this.spanId
    this.status = { _tag: "Started", startTime }
  }
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }
  attribute(key: string, value: unknown): void {
    this.attributes.set(key, value)
  }
  event(): void {}
  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    this.links = [...this.links, ...links]
  }
}

export const bareTracer: Tracer.Tracer = Tracer.make({
  span: (name, parent, context, links, startTime, kind) => new BareSpan(name, parent, context, links, startTime, kind),
  context: (f) => f()
})
