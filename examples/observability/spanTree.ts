/**
 * Finished OpenTelemetry spans as an indented tree: each span under its parent, with its duration, the attributes
 * its parent does not already carry, and `failed: <message>` when it ended in error. A run of siblings that are
 * alike (a waiter's polls, say) is shown once, with how many there were.
 */
import { SpanStatusCode } from "@opentelemetry/api"
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base"

/** A span and the spans under it, in the order they started. */
export interface SpanNode {
  readonly span: ReadableSpan
  readonly children: ReadonlyArray<SpanNode>
}

const startOf = (span: ReadableSpan) => span.startTime[0] * 1e3 + span.startTime[1] / 1e6

/** The duration of a span, in milliseconds. */
export const durationMs = (span: ReadableSpan): number => span.duration[0] * 1e3 + span.duration[1] / 1e6

/**
 * The spans as trees. A span whose parent is not among them (a root, or one whose parent has not ended yet) is a
 * tree of its own.
 */
export const build = (spans: ReadonlyArray<ReadableSpan>): ReadonlyArray<SpanNode> => {
  const ids = new Set(spans.map((span) => span.spanContext().spanId))
  const byParent = new Map<string | undefined, Array<ReadableSpan>>()
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId
    const key = parent !== undefined && ids.has(parent) ? parent : undefined
    byParent.set(key, [...(byParent.get(key) ?? []), span])
  }
  const nodes = (parent: string | undefined): ReadonlyArray<SpanNode> =>
    [...(byParent.get(parent) ?? [])]
      .sort((a, b) => startOf(a) - startOf(b))
      .map((span) => ({ span, children: nodes(span.spanContext().spanId) }))
  return nodes(undefined)
}

const attributeText = (span: ReadableSpan, parent: ReadableSpan | undefined) =>
  Object.entries(span.attributes)
    .filter(([key, value]) => value !== parent?.attributes[key])
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(" ")

const outcomeText = (span: ReadableSpan) =>
  span.status.code === SpanStatusCode.ERROR ? `  failed: ${span.status.message ?? "error"}` : ""

/** What a leaf shows besides its duration: leaves alike in this are collapsed into one line. */
const leafSignature = (node: SpanNode, parent: ReadableSpan | undefined) =>
  node.children.length === 0
    ? `${node.span.name}|${attributeText(node.span, parent)}|${outcomeText(node.span)}`
    : undefined

const ms = (millis: number) => `${millis < 10 ? millis.toFixed(1) : Math.round(millis)} ms`

/** The trees as lines of text, two spaces of indent per level. */
export const format = (trees: ReadonlyArray<SpanNode>): ReadonlyArray<string> => {
  const lines: Array<string> = []
  const walk = (siblings: ReadonlyArray<SpanNode>, parent: ReadableSpan | undefined, depth: number) => {
    const indent = "  ".repeat(depth)
    for (let i = 0; i < siblings.length;) {
      const node = siblings[i]!
      const signature = leafSignature(node, parent)
      let run = 1
      while (
        signature !== undefined &&
        i + run < siblings.length &&
        leafSignature(siblings[i + run]!, parent) === signature
      )
        run++
      const attributes = attributeText(node.span, parent)
      const shown = attributes === "" ? "" : `  ${attributes}`
      if (run === 1) {
        lines.push(`${indent}${node.span.name}  ${ms(durationMs(node.span))}${shown}${outcomeText(node.span)}`)
        walk(node.children, node.span, depth + 1)
      } else {
        const durations = siblings.slice(i, i + run).map((sibling) => durationMs(sibling.span))
        const range = `${ms(Math.min(...durations))}–${ms(Math.max(...durations))}`
        lines.push(`${indent}${node.span.name} ×${run}  ${range} each${shown}${outcomeText(node.span)}`)
      }
      i += run
    }
  }
  walk(trees, undefined, 0)
  return lines
}
