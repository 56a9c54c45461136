/**
 * The storage contract's conditions and updates as DynamoDB expressions. Every attribute name is aliased
 * (`name` is a reserved word, and aliasing all of them keeps future attributes safe).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb"
import { Option } from "effect"
import { Storage } from "@dynalock/core"
import type { NativeAttributeValue } from "./attributeValue.js"
import { attributes, payloadValue, toAttribute } from "./itemCodec.js"

type Attribute = (typeof attributes)[keyof typeof attributes]

/**
 * Each attribute's alias: one letter, since dynalite parses every expression on the lock's hot path and its time
 * grows with the text (a lock cycle's two requests with names like `#expiresMs` and values like `:expiresMs2` took
 * 1.25x the raw floor's time, 1.20x with these).
 */
const aliases = {
  id: "#i",
  name: "#k",
  version: "#v",
  expires: "#e",
  expiresMs: "#m",
  payload: "#p",
  stamp: "#s",
  owner: "#o",
  fence: "#f",
  line: "#l",
  since: "#t",
  hold: "#h",
  limit: "#n",
  holders: "#r"
} as const satisfies Record<Attribute, string>

/** The placeholders one request uses; DynamoDB rejects declared placeholders that an expression does not use. */
interface Placeholders {
  readonly name: (attribute: Attribute) => string
  /** A placeholder for `value`: the same one for an equal number or string, a fresh one for anything else. */
  readonly value: (value: NativeAttributeValue) => string
  /**
   * `ExpressionAttributeNames` and `ExpressionAttributeValues` of the placeholders these expressions use, each only
   * when not empty: a part of a condition that turned out to be implied may have declared some the text leaves out.
   */
  readonly toRequest: (...expressions: ReadonlyArray<string | undefined>) => {
    ExpressionAttributeNames?: Record<string, string>
    ExpressionAttributeValues?: Record<string, AttributeValue>
  }
}

/** Fresh placeholders for one request. */
export const placeholders = (): Placeholders => {
  const names: Record<string, string> = {}
  const values: Record<string, AttributeValue> = {}
  const scalars = new Map<string | number, string>()
  let count = 0
  return {
    name: (attribute) => {
      const alias = aliases[attribute]
      names[alias] = attribute
      return alias
    },
    value: (value) => {
      const scalar = typeof value === "number" || typeof value === "string"
      const known = scalar ? scalars.get(value) : undefined
      if (known !== undefined) return known
      const placeholder = `:${(count++).toString(36)}`
      values[placeholder] = toAttribute(value)
      if (scalar) scalars.set(value, placeholder)
      return placeholder
    },
    toRequest: (...expressions) => {
      const used = new Set(expressions.join(" ").match(/[#:][A-Za-z0-9_]+/g))
      const request: {
        ExpressionAttributeNames?: Record<string, string>
        ExpressionAttributeValues?: Record<string, AttributeValue>
      } = {}
      for (const alias in names) {
        if (used.has(alias)) (request.ExpressionAttributeNames ??= {})[alias] = names[alias]!
      }
      for (const placeholder in values) {
        if (used.has(placeholder)) (request.ExpressionAttributeValues ??= {})[placeholder] = values[placeholder]!
      }
      return request
    }
  }
}

/**
 * A condition expression as a tree, rendered with as few parentheses as DynamoDB's precedence (NOT, then AND, then
 * OR) allows: dynalite's parser takes time exponential in the nesting of parentheses (a claim's condition took
 * half a second when every operand was wrapped).
 */
type Expression =
  /** `opposite`: the atom's negation as a function of its own, where DynamoDB has one. */
  | { readonly _tag: "Atom"; readonly text: string; readonly opposite?: string | undefined }
  | { readonly _tag: "Not"; readonly inner: Expression }
  | { readonly _tag: "And" | "Or"; readonly parts: ReadonlyArray<Expression> }

const atom = (text: string): Expression => ({ _tag: "Atom", text })
const allOf = (...parts: ReadonlyArray<Expression>): Expression => ({ _tag: "And", parts })
const anyOf = (...parts: ReadonlyArray<Expression>): Expression => ({ _tag: "Or", parts })
// NOT NOT is no syntax of dynalite's.
const negate = (inner: Expression): Expression =>
  inner._tag === "Not"
    ? inner.inner
    : inner._tag === "Atom" && inner.opposite !== undefined
      ? { _tag: "Atom", text: inner.opposite, opposite: inner.text }
      : { _tag: "Not", inner }

/**
 * Whether an attribute exists, negated as `attribute_not_exists` rather than `NOT attribute_exists`: the same test
 * on every server, and the released claim and a release take dynalite 2% less time so (measured, raw requests).
 */
const exists = (name: string): Expression => ({
  _tag: "Atom",
  text: `attribute_exists(${name})`,
  opposite: `attribute_not_exists(${name})`
})
const notExists = (name: string): Expression => negate(exists(name))

const precedence = { Or: 1, And: 2, Not: 3, Atom: 4 } as const

const print = (expression: Expression, within: number): string => {
  const own = precedence[expression._tag]
  const text =
    expression._tag === "Atom"
      ? expression.text
      : expression._tag === "Not"
        ? `NOT ${print(expression.inner, own)}`
        : expression.parts
            // Nested parts of the same kind join the list: a AND (b AND c) is a AND b AND c.
            .flatMap((part) => (part._tag === expression._tag ? (part as typeof expression).parts : [part]))
            .map((part) => print(part, own))
            .join(expression._tag === "And" ? " AND " : " OR ")
  return own < within ? `(${text})` : text
}

/** Whether printing the expression needs parentheses somewhere: an OR within an AND, or a NOT of either. */
const hasGroup = (expression: Expression): boolean => {
  switch (expression._tag) {
    case "Atom":
      return false
    case "Not":
      // `negate` never nests a NOT in a NOT.
      return expression.inner._tag !== "Atom"
    case "And":
      return expression.parts.some((part) => part._tag === "Or" || hasGroup(part))
    case "Or":
      return expression.parts.some(hasGroup)
  }
}

/** Alternatives a condition may be spread into at most: each repeats the atoms the alternatives share. */
const maxAlternatives = 4

/** A conjunction of atoms, each possibly negated. */
type Term = ReadonlyArray<Expression>

/**
 * The expression as alternatives of conjunctions (its disjunctive form), negations pushed down to the atoms; none
 * when that takes more than `maxAlternatives`. DynamoDB's conditions are two-valued (a comparison with a missing
 * attribute is false, its negation true), so the two forms mean the same on every item.
 */
const alternatives = (expression: Expression, negated: boolean): ReadonlyArray<Term> | undefined => {
  switch (expression._tag) {
    case "Atom":
      return [[negated ? negate(expression) : expression]]
    case "Not":
      return alternatives(expression.inner, !negated)
    case "And":
    case "Or": {
      // Under a negation an AND of parts is an OR of their negations, and the other way round.
      const conjunction = (expression._tag === "And") !== negated
      let terms: ReadonlyArray<Term> = conjunction ? [[]] : []
      for (const part of expression.parts) {
        const spread = alternatives(part, negated)
        if (spread === undefined) return undefined
        terms = conjunction ? terms.flatMap((term) => spread.map((more) => [...term, ...more])) : [...terms, ...spread]
        if (terms.length > maxAlternatives) return undefined
      }
      return terms
    }
  }
}

/**
 * The expression's text. One that would need parentheses is written as alternatives of conjunctions where that
 * stays short: dynalite's parser backtracks into every parenthesised group, and one group in a lock claim's
 * condition took it some 0.5 ms (measured: the blind claim and a release, 1.51x the raw floor's time with the group,
 * 1.23x as alternatives).
 */
const render = (expression: Expression): string => {
  if (!hasGroup(expression)) return print(expression, 0)
  const spread = alternatives(expression, false)
  return spread === undefined
    ? print(expression, 0)
    : spread.map((term) => term.map((literal) => print(literal, precedence.And)).join(" AND ")).join(" OR ")
}

/**
 * The item's last versioned write was ours: `Storage.StoredItem.foreign` is false. The stamp must exist: dynalite
 * counts two missing attributes as equal.
 */
const ours = (p: Placeholders): Expression =>
  allOf(exists(p.name(attributes.stamp)), atom(`${p.name(attributes.stamp)} = ${p.name(attributes.version)}`))

/**
 * "Expires at or before `at`", read as the codec reads items: the precise `expiresMs` when the last versioned
 * write was ours, else Go dynalock's `expires` seconds. `expires <= at / 1000` is `expires * 1000 <= at`; the
 * seconds are sent as an exact decimal (DynamoDB numbers are decimal) so that the two agree for any number.
 * A comparison with a missing attribute is false, so an item without expiry never counts as expired.
 */
const expiredAt = (p: Placeholders, at: number): Expression =>
  anyOf(
    allOf(ours(p), atom(`${p.name(attributes.expiresMs)} <= ${p.value(at)}`)),
    allOf(negate(ours(p)), atom(`${p.name(attributes.expires)} <= ${p.value(at / 1000)}`))
  )

/** A condition with the parts that always or never hold folded away: `true`, `false`, or what is left to test. */
type Simplified = true | false | Storage.Condition

const simplify = (condition: Storage.Condition): Simplified => {
  switch (condition._tag) {
    case "Always":
      return true
    case "And": {
      const parts = condition.all.map(simplify)
      if (parts.includes(false)) return false
      const left = parts.filter((part): part is Storage.Condition => part !== true)
      return left.length === 0 ? true : left.length === 1 ? left[0]! : { _tag: "And", all: left }
    }
    case "Or": {
      const parts = condition.any.map(simplify)
      if (parts.includes(true)) return true
      const left = parts.filter((part): part is Storage.Condition => part !== false)
      return left.length === 0 ? false : left.length === 1 ? left[0]! : { _tag: "Or", any: left }
    }
    case "Not": {
      const inner = simplify(condition.condition)
      return inner === true ? false : inner === false ? true : { _tag: "Not", condition: inner }
    }
    default:
      return condition
  }
}

/**
 * What the rest of a conjunction may take as known: it holds only where the item is ours (a sibling `Ours`), or
 * only where it is not (a sibling `Not(Ours)`). Within it, expiries read one attribute instead of choosing between
 * two, which keeps the expressions short (dynalite parses every one of them, on the lock's hot path).
 */
type Known = "ours" | "notOurs" | undefined

const isOurs = (condition: Storage.Condition): boolean => condition._tag === "Ours"
const isNotOurs = (condition: Storage.Condition): boolean =>
  condition._tag === "Not" && condition.condition._tag === "Ours"

/** Holds wherever the context holds: it can be left out of a conjunction. */
const implied = "implied" as const

/**
 * A simplified condition (no `Always` left in it) as an expression tree, meaning the same as the condition
 * wherever `known` holds.
 */
const toExpression = (p: Placeholders, condition: Storage.Condition, known: Known): Expression | typeof implied => {
  const listName = (list: Storage.ListName | undefined) =>
    p.name(list === "holders" ? attributes.holders : attributes.line)
  switch (condition._tag) {
    case "Always":
      throw new Error("toExpression needs a simplified condition")
    case "And": {
      const within: Known =
        known ?? (condition.all.some(isOurs) ? "ours" : condition.all.some(isNotOurs) ? "notOurs" : undefined)
      const parts: Array<Expression> = []
      let stated = known !== undefined
      for (const part of condition.all) {
        // The part that makes the context is written once, as it is; the others are written knowing it.
        const states = !stated && ((within === "ours" && isOurs(part)) || (within === "notOurs" && isNotOurs(part)))
        if (states) stated = true
        const rendered = toExpression(p, part, states ? known : within)
        if (rendered !== implied) parts.push(rendered)
      }
      return parts.length === 0 ? implied : parts.length === 1 ? parts[0]! : allOf(...parts)
    }
    case "Or": {
      const parts: Array<Expression> = []
      for (const part of condition.any) {
        const rendered = toExpression(p, part, known)
        if (rendered === implied) return implied
        parts.push(rendered)
      }
      return anyOf(...parts)
    }
    case "Not": {
      const inner = toExpression(p, condition.condition, known)
      return inner === implied ? never(p) : negate(inner)
    }
    case "Exists":
      // Ours needs the stamp, so the item exists; not being ours says nothing (an absent item is not ours).
      return known === "ours" ? implied : exists(p.name(attributes.key))
    case "VersionIs":
      return atom(`${p.name(attributes.version)} = ${p.value(condition.version)}`)
    case "Ours":
      return known === "ours" ? implied : ours(p)
    case "ExpiredAt":
      return known === "ours"
        ? atom(`${p.name(attributes.expiresMs)} <= ${p.value(condition.at)}`)
        : known === "notOurs"
          ? atom(`${p.name(attributes.expires)} <= ${p.value(condition.at / 1000)}`)
          : expiredAt(p, condition.at)
    case "HasOwner":
      return exists(p.name(attributes.owner))
    case "OwnerIs":
      return atom(`${p.name(attributes.owner)} = ${p.value(condition.owner)}`)
    case "LeaseEndsBefore": {
      const before = atom(`${p.name(attributes.expiresMs)} < ${p.value(condition.at)}`)
      return known === "ours" ? before : allOf(ours(p), before)
    }
    case "StartedFrom":
      return atom(`${p.name(attributes.since)} >= ${p.value(condition.at)}`)
    case "LineSize": {
      const list = listName(condition.list)
      return condition.size === 0 ? noEntries(p, list) : atom(`size(${list}) = ${p.value(condition.size)}`)
    }
    case "LineAt":
      return atom(`${listName(condition.list)}[${indexOf(condition.index)}] = ${p.value(condition.entry)}`)
    case "LineContains":
      return atom(`contains(${listName(condition.list)}, ${p.value(condition.entry)})`)
    case "ListIs": {
      const list = listName(condition.list)
      // Element by element: dynalite cannot compare whole lists. An empty one may also be absent.
      return condition.entries.length === 0
        ? noEntries(p, list)
        : allOf(
            atom(`size(${list}) = ${p.value(condition.entries.length)}`),
            ...condition.entries.map((entry, index) => atom(`${list}[${index}] = ${p.value(entry)}`))
          )
    }
    case "LimitIs":
      return Option.match(condition.limit, {
        onNone: () => {
          const noLimit = notExists(p.name(attributes.limit))
          return known === "ours" ? noLimit : allOf(exists(p.name(attributes.key)), noLimit)
        },
        onSome: (limit) => atom(`${p.name(attributes.limit)} = ${p.value(limit)}`)
      })
  }
}

/**
 * An absent or empty list: a comparison with a missing attribute is false, so its negation holds. Not as
 * `attribute_not_exists(l) OR size(l) = 0`: within a conjunction that needs parentheses, which dynalite takes some
 * 0.5 ms to parse.
 */
const noEntries = (p: Placeholders, list: string): Expression => negate(atom(`size(${list}) > ${p.value(0)}`))

/** DynamoDB has no literal false: an item that both exists and does not. */
const never = (p: Placeholders): Expression => allOf(exists(p.name(attributes.key)), notExists(p.name(attributes.key)))

// An index is written into the expression itself, so it must be a plain non-negative integer.
const indexOf = (index: number): number => {
  if (!Number.isSafeInteger(index) || index < 0) throw new Error(`line index ${index} is not a non-negative integer`)
  return index
}

/** The `ConditionExpression` meaning exactly `Storage.conditionHolds(condition, item)`; none when it always holds. */
export const conditionExpression = (p: Placeholders, condition: Storage.Condition): Option.Option<string> => {
  const simple = simplify(condition)
  if (simple === true) return Option.none()
  if (simple === false) return Option.some(render(never(p)))
  const expression = toExpression(p, simple, undefined)
  return Option.some(
    expression === implied
      ? `attribute_exists(${p.name(attributes.key)}) OR attribute_not_exists(${p.name(attributes.key)})`
      : render(expression)
  )
}

/**
 * Whether `condition` holds only on an item that has a version: it pins the version, or says the last versioned
 * write was ours (the stamp exists and equals the version; a comparison with a missing attribute is false).
 */
const needsVersion = (condition: Storage.Condition): boolean =>
  condition._tag === "VersionIs" ||
  condition._tag === "Ours" ||
  (condition._tag === "And" && condition.all.some(needsVersion))

/** The `UpdateExpression` of an update: what `Storage.applyUpdate` does, as DynamoDB does it. */
export const updateExpression = (p: Placeholders, request: Storage.UpdateRequest): string => {
  const set: Array<string> = []
  const remove: Array<string> = []
  if (request.bump !== false) {
    // After our versioned write the item reads by `expiresMs` alone, so the write must say what it is.
    if (request.expiresAt === undefined) throw new Error("a versioned update must set expiresAt")
    const version = p.name(attributes.version)
    // Both read the version before the update, so the stamp equals the new version. Where the condition needs a
    // version, the item has one: no `if_not_exists`, which dynalite takes some 40 µs to parse (a release, a renewal
    // and a claim after a read are each one round trip of the lock's hot path).
    const current = needsVersion(request.condition) ? version : `if_not_exists(${version}, ${p.value(0)})`
    const next = `${current} + ${p.value(1)}`
    set.push(`${version} = ${next}`, `${p.name(attributes.stamp)} = ${next}`)
  }
  if (request.payload !== undefined) {
    Option.match(payloadValue(request.payload), {
      onNone: () => remove.push(p.name(attributes.payload)),
      onSome: (value) => set.push(`${p.name(attributes.payload)} = ${p.value(value)}`)
    })
  }
  if (request.expiresAt !== undefined) {
    Option.match(request.expiresAt, {
      onNone: () => remove.push(p.name(attributes.expiresMs), p.name(attributes.expires)),
      onSome: (millis) =>
        set.push(
          `${p.name(attributes.expiresMs)} = ${p.value(millis)}`,
          `${p.name(attributes.expires)} = ${p.value(Storage.expiresSeconds(request.foreignExpiresAt ?? millis))}`
        )
    })
  }
  if (request.owner !== undefined) {
    Option.match(request.owner, {
      onNone: () => remove.push(p.name(attributes.owner)),
      onSome: (owner) => set.push(`${p.name(attributes.owner)} = ${p.value(owner)}`)
    })
  }
  if (request.fenceSeed !== undefined) {
    const fence = p.name(attributes.fence)
    set.push(`${fence} = if_not_exists(${fence}, ${p.value(request.fenceSeed)}) + ${p.value(1)}`)
  }
  const listUpdate = (name: Attribute, change: Storage.LineUpdate) => {
    const line = p.name(name)
    switch (change._tag) {
      case "Append":
        set.push(`${line} = list_append(if_not_exists(${line}, ${p.value([])}), ${p.value([change.entry])})`)
        break
      case "Replace":
        set.push(`${line}[${indexOf(change.index)}] = ${p.value(change.entry)}`)
        break
      case "Remove":
        // Highest index first: DynamoDB removes by the indices of the list before the update, dynalite one after
        // the other; in descending order both remove the same entries.
        for (const index of [...new Set(change.indices)].sort((a, b) => b - a))
          remove.push(`${line}[${indexOf(index)}]`)
        break
      case "Set":
        if (change.entries.length === 0) remove.push(line)
        else set.push(`${line} = ${p.value(change.entries)}`)
        break
    }
  }
  if (request.line !== undefined) listUpdate(attributes.line, request.line)
  if (request.holders !== undefined) listUpdate(attributes.holders, request.holders)
  if (request.limit !== undefined) set.push(`${p.name(attributes.limit)} = ${p.value(request.limit)}`)
  if (request.since !== undefined) set.push(`${p.name(attributes.since)} = ${p.value(request.since)}`)
  if (request.hold !== undefined) set.push(`${p.name(attributes.hold)} = ${p.value(request.hold)}`)
  if (set.length === 0 && remove.length === 0) throw new Error("an update that changes nothing cannot be sent")
  return [set.length === 0 ? "" : `SET ${set.join(", ")}`, remove.length === 0 ? "" : `REMOVE ${remove.join(", ")}`]
    .filter((part) => part.length > 0)
    .join(" ")
}

/** The `KeyConditionExpression` of a prefix query; an empty prefix is the whole partition. */
export const keyCondition = (p: Placeholders, partition: string, prefix: string): string => {
  const id = `${p.name(attributes.partition)} = ${p.value(partition)}`
  return prefix.length === 0 ? id : `${id} AND begins_with(${p.name(attributes.key)}, ${p.value(prefix)})`
}
