import {
  type ConstDirectiveNode,
  type ConstValueNode,
  type DocumentNode,
  type FieldDefinitionNode,
  Kind,
  parse,
  type TypeNode,
} from 'graphql';
import { appError } from '../errors.js';
import { POLICIES } from './policies.js';
import type { Principal } from './principal.js';

/**
 * The access rules the schema declares with Apollo's authorization directives (`@authenticated`,
 * `@requiresScopes`, `@policy`), read from an SDL — the supergraph at the gateway, a subgraph's
 * own SDL in that subgraph — into a table by schema coordinate, and the one decision both use.
 *
 * Apollo's semantics: `scopes` and `policies` are OR of AND-lists (`[["a", "b"], ["c"]]`: a and
 * b, or c); a directive on a type applies to every field returning that type (so a field's
 * requirement is its own directives AND its return type's); several directives all apply.
 */

/** One directive's condition; a requirement holds when all of its conditions do. */
export type Condition =
  | { kind: 'authenticated' }
  | { kind: 'scopes'; anyOf: readonly (readonly string[])[] }
  | { kind: 'policies'; anyOf: readonly (readonly string[])[] };

export interface Requirement {
  /** Where it applies, for messages: `Customer.balance`, or a type name for an entity. */
  coordinate: string;
  conditions: readonly Condition[];
}

export interface AccessRules {
  /** The requirement of `Type.field` (its own and its return type's), or undefined when it has none. */
  field(typeName: string, fieldName: string): Requirement | undefined;
  /** The requirement a type declares itself (what fetching an entity of it needs), or undefined. */
  type(typeName: string): Requirement | undefined;
  /** Every field with a requirement, by coordinate. */
  readonly fields: ReadonlyMap<string, Requirement>;
  /** Every type with a requirement of its own, by name. */
  readonly types: ReadonlyMap<string, Requirement>;
}

/** By the names the specs give them (imports renamed with `as` are not followed). */
const DIRECTIVES = new Set(['authenticated', 'requiresScopes', 'policy']);

/**
 * The table of an SDL. Unknown policy names fail here (at start), never later as a silent
 * refusal: every name the schema uses must be in lib/auth/policies.ts.
 */
export function readAccessRules(sdl: string | DocumentNode): AccessRules {
  const document = typeof sdl === 'string' ? parse(sdl) : sdl;
  const typeConditions = new Map<string, Condition[]>();
  const fieldDefinitions: { typeName: string; field: FieldDefinitionNode }[] = [];
  for (const definition of document.definitions) {
    switch (definition.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION:
        for (const field of definition.fields ?? [])
          fieldDefinitions.push({ typeName: definition.name.value, field });
        addConditions(typeConditions, definition.name.value, definition.directives);
        break;
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_EXTENSION:
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_EXTENSION:
        addConditions(typeConditions, definition.name.value, definition.directives);
        break;
      default:
        break;
    }
  }
  const types = new Map<string, Requirement>(
    [...typeConditions].map(([name, conditions]) => [name, { coordinate: name, conditions }]),
  );
  const fields = new Map<string, Requirement>();
  for (const { typeName, field } of fieldDefinitions) {
    const conditions = [
      ...conditionsOf(field.directives),
      ...(typeConditions.get(namedType(field.type)) ?? []),
    ];
    if (conditions.length === 0) continue;
    const coordinate = `${typeName}.${field.name.value}`;
    fields.set(coordinate, { coordinate, conditions });
  }
  const unknown = new Set<string>();
  for (const requirement of [...types.values(), ...fields.values()]) {
    for (const condition of requirement.conditions) {
      if (condition.kind !== 'policies') continue;
      for (const name of condition.anyOf.flat()) if (!Object.hasOwn(POLICIES, name)) unknown.add(name);
    }
  }
  if (unknown.size > 0) {
    throw new Error(
      `The schema names policies lib/auth/policies.ts does not define: ${[...unknown].join(', ')}.`,
    );
  }
  return {
    field: (typeName, fieldName) => fields.get(`${typeName}.${fieldName}`),
    type: (typeName) => types.get(typeName),
    fields,
    types,
  };
}

/** Whether the caller meets the requirement; no caller (undefined) meets none. */
export function allowed(requirement: Requirement | undefined, principal: Principal | undefined): boolean {
  if (requirement === undefined) return true;
  return requirement.conditions.every((condition) => holds(condition, principal));
}

/** The first condition the caller does not meet, or undefined when every one holds. */
export function unmetCondition(
  requirement: Requirement | undefined,
  principal: Principal | undefined,
): Condition | undefined {
  return requirement?.conditions.find((condition) => !holds(condition, principal));
}

/** The error of a field or entity the caller may not see or run: no data, nothing called behind it. */
export function unauthorizedError(requirement: Requirement, principal: Principal | undefined) {
  return appError(
    'UNAUTHORIZED_FIELD_OR_TYPE',
    `Not allowed to see or run ${requirement.coordinate}: it ${whatIsMissing(requirement, principal)}.`,
  );
}

/** What the caller lacks to meet the requirement, for people: `needs the scope finance:read`. */
export function whatIsMissing(requirement: Requirement, principal: Principal | undefined): string {
  const unmet = unmetCondition(requirement, principal) ?? requirement.conditions[0];
  return unmet ? describeCondition(unmet) : 'is restricted';
}

/** What a condition asks, for people. */
export function describeCondition(condition: Condition): string {
  switch (condition.kind) {
    case 'authenticated':
      return 'needs an authenticated caller';
    case 'scopes':
      return `needs the scope${condition.anyOf.length === 1 && condition.anyOf[0]!.length === 1 ? '' : 's'} ${alternatives(condition.anyOf)}`;
    case 'policies':
      return `needs the polic${condition.anyOf.length === 1 && condition.anyOf[0]!.length === 1 ? 'y' : 'ies'} ${alternatives(condition.anyOf)}`;
  }
}

function alternatives(anyOf: readonly (readonly string[])[]): string {
  return anyOf.map((all) => all.join(' and ')).join(', or ');
}

function holds(condition: Condition, principal: Principal | undefined): boolean {
  if (principal === undefined) return false;
  switch (condition.kind) {
    case 'authenticated':
      return true;
    case 'scopes':
      return condition.anyOf.some((all) => all.every((scope) => principal.scopes.has(scope)));
    case 'policies':
      // Own property only: a policy named `constructor` or `toString` is no policy.
      return condition.anyOf.some((all) =>
        all.every((name) => Object.hasOwn(POLICIES, name) && POLICIES[name]!.evaluate(principal)),
      );
  }
}

function addConditions(
  table: Map<string, Condition[]>,
  name: string,
  directives: readonly ConstDirectiveNode[] | undefined,
): void {
  const conditions = conditionsOf(directives);
  if (conditions.length > 0) table.set(name, [...(table.get(name) ?? []), ...conditions]);
}

function conditionsOf(directives: readonly ConstDirectiveNode[] | undefined): Condition[] {
  const conditions: Condition[] = [];
  for (const directive of directives ?? []) {
    // A subgraph may use them without importing them, under the federation link's prefix.
    const name = directive.name.value.replace(/^federation__/, '');
    if (!DIRECTIVES.has(name)) continue;
    if (name === 'authenticated') {
      conditions.push({ kind: 'authenticated' });
      continue;
    }
    const argumentName = name === 'requiresScopes' ? 'scopes' : 'policies';
    const value = directive.arguments?.find((argument) => argument.name.value === argumentName)?.value;
    conditions.push({
      kind: name === 'requiresScopes' ? 'scopes' : 'policies',
      anyOf: listOfLists(value, `@${name}(${argumentName}:)`),
    });
  }
  return conditions;
}

function listOfLists(value: ConstValueNode | undefined, what: string): string[][] {
  if (value?.kind !== Kind.LIST) throw new Error(`${what} must be a list of lists of strings.`);
  return value.values.map((inner) => {
    if (inner.kind !== Kind.LIST) throw new Error(`${what} must be a list of lists of strings.`);
    return inner.values.map((item) => {
      if (item.kind !== Kind.STRING) throw new Error(`${what} must be a list of lists of strings.`);
      return item.value;
    });
  });
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}
