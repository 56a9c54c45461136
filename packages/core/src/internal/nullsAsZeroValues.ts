/**
 * Go dynalock's attribute encoder writes an empty string, a nil slice or map, and empty bytes as `NULL`, and Go
 * reads `NULL` back as the zero value of whatever type it decodes into. A schema read does the same: where the
 * schema's encoded type does not accept `null`, a `null` in the stored value reads as that type's zero value ("",
 * 0, false, [], {}, empty bytes, a struct of zero fields). Where the schema accepts `null` (`Schema.NullOr`,
 * `Schema.Unknown`, ...), `null` stays `null`.
 */
import { Option, ParseResult, Schema, SchemaAST as AST } from "effect"

const acceptsCache = new WeakMap<AST.AST, (value: unknown) => boolean>()

const accepts = (ast: AST.AST, value: unknown): boolean => {
  let is = acceptsCache.get(ast)
  if (is === undefined) {
    is = ParseResult.is(Schema.make(ast))
    acceptsCache.set(ast, is)
  }
  return is(value)
}

// Recursive schemas have no finite zero value beyond some depth: give up there rather than loop.
const maxDepth = 32

const firstSome = <A>(items: ReadonlyArray<A>, f: (item: A) => Option.Option<unknown>): Option.Option<unknown> => {
  for (const item of items) {
    const found = f(item)
    if (Option.isSome(found)) return found
  }
  return Option.none()
}

/** The zero value of an encoded type, as Go's decoder would produce it; none when the type has none. */
const zeroOf = (ast: AST.AST, depth: number): Option.Option<unknown> => {
  if (depth > maxDepth) return Option.none()
  switch (ast._tag) {
    case "StringKeyword":
      return Option.some("")
    case "NumberKeyword":
      return Option.some(0)
    case "BooleanKeyword":
      return Option.some(false)
    case "Literal":
      return ast.literal === "" || ast.literal === 0 || ast.literal === false ? Option.some(ast.literal) : Option.none()
    case "TupleType":
      return ast.elements.every((element) => element.isOptional) ? Option.some([]) : Option.none()
    case "TypeLiteral": {
      const zero: Record<string, unknown> = {}
      for (const property of ast.propertySignatures) {
        if (property.isOptional) continue
        if (typeof property.name !== "string") return Option.none()
        const field = zeroOf(property.type, depth + 1)
        if (Option.isNone(field)) return Option.none()
        zero[property.name] = field.value
      }
      return Option.some(zero)
    }
    case "Union":
      return firstSome(
        ast.types.filter((member) => member._tag !== "UndefinedKeyword"),
        (member) => zeroOf(member, depth + 1)
      )
    case "Suspend":
      return zeroOf(ast.f(), depth + 1)
    case "Refinement":
    case "Transformation":
      return zeroOf(ast.from, depth + 1)
    case "Declaration": {
      // Byte-like declarations (Uint8ArrayFromSelf): Go's empty []byte.
      const bytes = new Uint8Array(0)
      return accepts(ast, bytes) ? Option.some(bytes) : Option.none()
    }
    default:
      return Option.none()
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== "object") return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

const elementType = (ast: AST.TupleType, index: number, length: number): AST.AST | undefined => {
  if (index < ast.elements.length) return ast.elements[index]?.type
  const [rest, ...after] = ast.rest
  if (rest === undefined) return undefined
  const firstAfter = length - after.length
  return index >= firstAfter ? after[index - firstAfter]?.type : rest.type
}

const fieldType = (ast: AST.TypeLiteral, name: string): AST.AST | undefined =>
  ast.propertySignatures.find((property) => property.name === name)?.type ??
  ast.indexSignatures.find((signature) => accepts(signature.parameter, name))?.type

/** `value` with each `null` the type does not accept replaced by the type's zero value; `value` itself if none. */
const rewrite = (ast: AST.AST, value: unknown, depth: number): unknown => {
  if (depth > maxDepth) return value
  if (value === null) return accepts(ast, null) ? null : Option.getOrElse(zeroOf(ast, depth), () => null)
  switch (ast._tag) {
    case "TupleType": {
      if (!Array.isArray(value)) return value
      let changed = false
      const out = value.map((element: unknown, index) => {
        const type = elementType(ast, index, value.length)
        const rewritten = type === undefined ? element : rewrite(type, element, depth + 1)
        changed ||= rewritten !== element
        return rewritten
      })
      return changed ? out : value
    }
    case "TypeLiteral": {
      if (!isPlainObject(value)) return value
      let changed = false
      const out: Record<string, unknown> = {}
      for (const [name, element] of Object.entries(value)) {
        const type = fieldType(ast, name)
        const rewritten = type === undefined ? element : rewrite(type, element, depth + 1)
        changed ||= rewritten !== element
        out[name] = rewritten
      }
      return changed ? out : value
    }
    case "Union": {
      // The first member the rewritten value fits: a tagged union picks its case by the fields that are not null.
      for (const member of ast.types) {
        const rewritten = rewrite(member, value, depth + 1)
        if (rewritten !== value && accepts(member, rewritten)) return rewritten
      }
      return value
    }
    case "Suspend":
      return rewrite(ast.f(), value, depth + 1)
    case "Refinement":
    case "Transformation":
      return rewrite(ast.from, value, depth + 1)
    default:
      return value
  }
}

/**
 * For a schema, a function from a stored (encoded) value to the same value with Go's `NULL`s read as zero values
 * where the schema does not accept `null`. It returns its argument itself when nothing had to change.
 */
export const nullsAsZeroValues = <A, I, R>(schema: Schema.Schema<A, I, R>): ((value: unknown) => unknown) => {
  // Only values that fail to decode as stored come here: the encoded AST is not worth computing before.
  let encoded: AST.AST | undefined
  return (value) => rewrite((encoded ??= AST.encodedAST(schema.ast)), value, 0)
}
