import { readFileSync } from "node:fs";
import {
  isEnumType,
  isInputObjectType,
  isObjectType,
  print,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLSchema,
} from "graphql";
import { describe, expect, it } from "vitest";
import { apiSchemaOf } from "../../src/federation/schema-check.ts";
import { printSubgraphSdl } from "../../src/schema/index.ts";

const schemaOf = apiSchemaOf;

const contractSdl = readFileSync(new URL("../../docs/contract.graphql", import.meta.url), "utf8");
const contract = schemaOf(contractSdl);
const served = schemaOf(printSubgraphSdl());

function directivesOf(node: { astNode?: { directives?: readonly Parameters<typeof print>[0][] } | null }): string[] {
  return (node.astNode?.directives ?? []).map((directive) => print(directive)).sort();
}

/** Every (type, member) the contract declares, as the served schema must also declare it. */
function surface(schema: GraphQLSchema, typeNames: string[]): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const name of typeNames) {
    const type = schema.getType(name);
    if (!type) continue;
    entries[name] = `${type.constructor.name} ${directivesOf(type).join(" ")}`.trim();
    if (isEnumType(type)) for (const value of type.getValues()) entries[`${name}.${value.name}`] = "enum value";
    if (isObjectType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()) as (GraphQLField<unknown, unknown> | GraphQLInputField)[]) {
        const args =
          "args" in field
            ? field.args.map((arg) => `${arg.name}: ${String(arg.type)} = ${JSON.stringify(arg.defaultValue)}`)
            : [];
        const defaultValue = "defaultValue" in field ? ` = ${JSON.stringify(field.defaultValue)}` : "";
        entries[`${name}.${field.name}`] =
          `(${args.join(", ")}): ${String(field.type)}${defaultValue} ${directivesOf(field).join(" ")}`.trim();
      }
    }
  }
  return entries;
}

describe("the served SDL against the public contract", () => {
  const contractTypes = Object.keys(contract.getTypeMap()).filter((name) => !name.startsWith("__"));

  it("keeps every type, field, argument, default, enum value and auth directive of the contract", () => {
    const expected = surface(contract, contractTypes);
    const actual = surface(served, contractTypes);
    const differences = Object.keys(expected).filter((key) => expected[key] !== actual[key]);
    expect(differences.map((key) => `${key}: contract ${expected[key]} / served ${actual[key] ?? "missing"}`)).toEqual(
      [],
    );
  });

  it("links federation v2.6 with the contract's imports", () => {
    expect(printSubgraphSdl()).toContain(
      '@link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@shareable", "@authenticated", "@requiresScopes"])',
    );
  });
});
