/**
 * The sandbox's GraphQL machinery: the real schema (built once, lazily, from
 * the description-free SDL), validation with graphql-js, Linear's complexity
 * estimate, and a tiny executor that projects a selection set over plain
 * objects whose fields may be resolver functions `(args) => value`.
 * Not a full executor: no type checks on results, fragments are flattened.
 */
import {
  buildSchema,
  getNamedType,
  isLeafType,
  isObjectType,
  isInterfaceType,
  parse,
  validate,
  valueFromASTUntyped,
  Kind,
  type DocumentNode,
  type FieldNode,
  type GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  getVariableValues,
} from "graphql";
import { LINEAR_SDL } from "./schema/sdl";

let cached: GraphQLSchema | null = null;
/** The Linear schema (~300 ms to build the first time). */
export function linearSchema(): GraphQLSchema {
  cached ??= buildSchema(LINEAR_SDL, { assumeValidSDL: true });
  return cached;
}

export type Vars = Record<string, unknown>;
export type Args = Record<string, unknown>;

export interface Prepared {
  doc: DocumentNode;
  op: OperationDefinitionNode;
}

const preparedCache = new Map<string, Prepared | { errors: readonly GraphQLError[] }>();

/** Parse and validate (memoized per document: clients send the same few documents); graphql-js errors when invalid. */
export function prepare(query: string, operationName?: string | null): Prepared | { errors: readonly GraphQLError[] } {
  const key = `${operationName ?? ""}\u0000${query}`;
  let hit = preparedCache.get(key);
  if (!hit) {
    hit = prepareUncached(query, operationName);
    if (preparedCache.size > 200) preparedCache.clear();
    preparedCache.set(key, hit);
  }
  return hit;
}

function prepareUncached(query: string, operationName?: string | null): Prepared | { errors: readonly GraphQLError[] } {
  let doc: DocumentNode;
  try {
    doc = parse(query);
  } catch (e) {
    return { errors: [e as GraphQLError] };
  }
  const errors = validate(linearSchema(), doc);
  if (errors.length) return { errors };
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
  if (!op) return { errors: [new Error("Unknown operation") as GraphQLError] };
  return { doc, op };
}

/**
 * Variable values checked and coerced against their declared types (`$first: Int!`, `$filter:
 * IssueLabelFilter!`, …), as a GraphQL server does before executing: a missing required variable,
 * a string for an Int, or an unknown input field is an error, not silently passed through.
 */
export function coerceVariables(p: Prepared, raw: unknown): { vars: Vars } | { errors: readonly GraphQLError[] } {
  const inputs = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const r = getVariableValues(linearSchema(), p.op.variableDefinitions ?? [], inputs, { maxErrors: 10 });
  return "errors" in r && r.errors ? { errors: r.errors } : { vars: (r as { coerced: Vars }).coerced };
}

/** Fields of a selection set, with fragments flattened (type conditions ignored). */
export function fieldsOf(sel: SelectionSetNode, doc: DocumentNode): FieldNode[] {
  const out: FieldNode[] = [];
  for (const s of sel.selections) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) out.push(...fieldsOf(s.selectionSet, doc));
    else {
      const frag = doc.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value);
      if (frag && frag.kind === Kind.FRAGMENT_DEFINITION) out.push(...fieldsOf(frag.selectionSet, doc));
    }
  }
  return out;
}

export function argsOf(field: FieldNode, vars: Vars): Args {
  const out: Args = {};
  for (const a of field.arguments ?? []) out[a.name.value] = valueFromASTUntyped(a.value, vars);
  return out;
}

/**
 * Linear's published complexity rule: 0.1 per scalar field, 1 per object,
 * a connection multiplies its `nodes`/`edges` by `first`/`last` (default 50);
 * the total is rounded up.
 */
export function complexity(p: Prepared, vars: Vars): number {
  const schema = linearSchema();
  const root = p.op.operation === "mutation" ? schema.getMutationType() : schema.getQueryType();
  if (!root) return 0;
  const walk = (sel: SelectionSetNode, type: GraphQLNamedType): number => {
    if (!isObjectType(type) && !isInterfaceType(type)) return 0;
    const defs = type.getFields();
    let sum = 0;
    for (const f of fieldsOf(sel, p.doc)) {
      const def = defs[f.name.value];
      if (!def) continue;
      const t = getNamedType(def.type);
      if (isLeafType(t) || !f.selectionSet) {
        sum += 0.1;
        continue;
      }
      if (t.name.endsWith("Connection") && isObjectType(t)) {
        const args = argsOf(f, vars);
        const n = typeof args.first === "number" ? args.first : typeof args.last === "number" ? args.last : 50;
        let c = 1;
        for (const cf of fieldsOf(f.selectionSet, p.doc)) {
          const cdef = t.getFields()[cf.name.value];
          if (!cdef || !cf.selectionSet) {
            c += 0.1;
            continue;
          }
          const inner = 1 + walk(cf.selectionSet, getNamedType(cdef.type));
          c += cf.name.value === "nodes" || cf.name.value === "edges" ? n * inner : inner;
        }
        sum += c;
      } else sum += 1 + walk(f.selectionSet, t);
    }
    return sum;
  };
  return Math.ceil(walk(p.op.selectionSet, root) - 1e-9);
}

/** A value in the sandbox's object graph: plain data, or a resolver. */
export type Resolver = (args: Args) => unknown;

/** Project `sel` over `value`. Functions are called with the field's arguments. */
export function project(value: unknown, sel: SelectionSetNode, doc: DocumentNode, vars: Vars): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => project(v, sel, doc, vars));
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of fieldsOf(sel, doc)) {
    const key = f.alias?.value ?? f.name.value;
    if (f.name.value === "__typename") {
      out[key] = obj.__typename ?? null;
      continue;
    }
    let v = obj[f.name.value];
    if (typeof v === "function") v = (v as Resolver)(argsOf(f, vars));
    out[key] = f.selectionSet ? project(v, f.selectionSet, doc, vars) : v === undefined ? null : v;
  }
  return out;
}
