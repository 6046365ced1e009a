// docs/design.md §6: what a compiled operation retains is estimated from its fields once
// graphql-jit has expanded its fragments (bench/compiled-cache-weight.ts measures the estimate
// against the heap); the document's size alone says little.
import { Kind, parse, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { buildSubgraphSchema } from "../../src/schema/index.ts";
import {
  BYTES_PER_EXPANDED_FIELD,
  BYTES_PER_OPERATION,
  estimatedCompiledBytes,
  expandedFieldCount,
} from "../../src/server/compiled-weight.ts";

const schema = buildSubgraphSchema();

function countOf(source: string): number {
  const document = parse(source);
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (!operation) throw new Error("no operation");
  return expandedFieldCount(schema, document, operation);
}

describe("expandedFieldCount", () => {
  it("counts every field, nested ones included", () => {
    expect(countOf(`{ tenant(slug: "a") { id lifecycle { status badge { label } } } }`)).toBe(6);
  });

  it("counts a fragment's fields at every place it is spread", () => {
    const fragment = `fragment T on Tenant { id name slug }`;
    expect(countOf(`{ tenant(slug: "a") { ...T } } ${fragment}`)).toBe(4);
    expect(
      countOf(`{ a: tenant(slug: "a") { ...T } b: tenant(slug: "b") { ...T }
        tenants(first: 1) { edges { node { ...T ... on Tenant { status } } } } } ${fragment}`),
    ).toBe(2 * 4 + 3 + 3 + 1);
  });

  it("counts an inline fragment only on the types it applies to, on every type of an abstract field", () => {
    const entities = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Tenant { id name } ... on OperationRun { id } } }`;
    // `_entities` + `__typename` on each entity type, + Tenant's 2 and OperationRun's 1.
    const entityTypes = schema.getPossibleTypes(schema.getType("_Entity") as never).length;
    expect(countOf(entities)).toBe(1 + entityTypes + 2 + 1);
  });

  it("counts an exponential expansion exactly, from a document that stays small", () => {
    // Each fragment spreads the next at two places: 2^10 leaves from a few hundred bytes.
    const levels = Array.from(
      { length: 10 },
      (_, level) =>
        `fragment F${level} on Tenant { operationRuns(first: 1) { edges { node { tenant { ...F${level + 1} } } } }
          auditEvents(first: 1) { edges { node { tenant { ...F${level + 1} } } } } }`,
    );
    const source = `{ tenant(slug: "a") { ...F0 } } ${levels.join(" ")} fragment F10 on Tenant { id }`;
    // Per level and branch: the list, edges, node and tenant fields (4); 2^k branches at level k.
    let expected = 1 + 2 ** 10;
    for (let level = 0; level < 10; level += 1) expected += 2 ** (level + 1) * 4;
    expect(countOf(source)).toBe(expected);
  });

  it("weighs an operation by its expanded fields and its source length", () => {
    const document = parse(`{ tenant(slug: "a") { id name } }`);
    const operation = document.definitions[0] as OperationDefinitionNode;
    expect(estimatedCompiledBytes(schema, document, operation, 1_000)).toBe(
      BYTES_PER_OPERATION + 3 * BYTES_PER_EXPANDED_FIELD + 2 * 1_000,
    );
  });
});
