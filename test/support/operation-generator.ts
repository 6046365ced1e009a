// A schema-driven generator of GraphQL operations for the generative attack test. It walks the
// served schema and, at every choice (which fields, how many aliases, which arguments and
// values, variables or literals, fragments), reads the next number of an entropy array that
// fast-check generates and shrinks: a failing case shrinks towards a shorter, simpler query.
import fc from "fast-check";
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from "graphql";

/** The entropy `OperationGenerator.generate` reads: what fast-check generates, samples and shrinks. */
export const generatorChoices = fc.array(fc.nat({ max: 1_000_000 }), { minLength: 50, maxLength: 1_000 });

/** Values the generator draws ids from: real records of the seeded database and a few impostors. */
export interface GeneratorPool {
  tenantIds: string[];
  tenantSlugs: string[];
  runIds: string[];
  cursors: string[];
}

export interface GeneratedOperation {
  query: string;
  variables: Record<string, unknown>;
}

const MISSING_ID = "00000000-0000-4000-8000-000000000000";
const INTS = [1, 2, 5, 20, 50, 100, 101, 0, -1, 2_147_483_647, -2_147_483_648];
/** Page sizes: mostly ones the limits accept, so the generator reaches the expensive side too. */
const PAGE_SIZES = [5, 20, 50, 100, 100, 100, 1, 0, 101, -1];
/** How often an optional argument is given, by name (else 60 %). */
const OPTIONAL_ARGUMENT_CHANCE: Record<string, number> = { first: 70, after: 15, filter: 40 };
const STRINGS = [
  "",
  "a",
  "ac",
  "acme",
  "%",
  "_",
  "\\",
  "x".repeat(201),
  "'; DROP TABLE tenants; --",
  "\u202Eevil\u200B",
  "😀👩‍👩‍👧",
  "\ud800",
  "a\u0000b",
  "tenant.lifecycle",
];

/** Past the end of the array every choice is the simplest one: the first option, no extra. */
class Entropy {
  private index = 0;
  constructor(private readonly choices: readonly number[]) {}
  private take(): number | null {
    const value = this.choices[this.index];
    this.index += 1;
    return value ?? null;
  }
  /** A number in 0..n-1. */
  next(n: number): number {
    const value = this.take();
    return value === null || n <= 1 ? 0 : value % n;
  }
  pick<T>(options: readonly T[]): T {
    return options[this.next(options.length)] as T;
  }
  chance(percent: number): boolean {
    const value = this.take();
    return value !== null && value % 100 < percent;
  }
}

export class OperationGenerator {
  private variables: Record<string, unknown> = {};
  private declarations: string[] = [];
  private fragments: string[] = [];
  private aliases = 0;
  private entropy = new Entropy([]);

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly pool: GeneratorPool,
    private readonly maxDepth = 7,
  ) {}

  generate(choices: readonly number[]): GeneratedOperation {
    this.entropy = new Entropy(choices);
    this.variables = {};
    this.declarations = [];
    this.fragments = [];
    this.aliases = 0;
    const mutation = this.entropy.chance(10);
    const root = (mutation ? this.schema.getMutationType() : this.schema.getQueryType()) as GraphQLObjectType;
    const selection = this.entropy.chance(25) && !mutation ? this.entities() : this.selectionSet(root, 0);
    const header = this.declarations.length ? `(${this.declarations.join(", ")})` : "";
    const query = `${mutation ? "mutation" : "query"} Generated${header} ${selection}${this.fragments.map((f) => `\n${f}`).join("")}`;
    return { query, variables: this.variables };
  }

  /** `_entities` with a batch of representations: real, missing and foreign tenants and runs. */
  private entities(): string {
    const size = this.entropy.pick([1, 3, 10, 100, 200, 201, 1000]);
    const representations = Array.from({ length: size }, () => {
      switch (this.entropy.next(5)) {
        case 0:
          return { __typename: "Tenant", id: this.entropy.pick([...this.pool.tenantIds, MISSING_ID]) };
        case 1:
          return { __typename: "Tenant", slug: this.entropy.pick([...this.pool.tenantSlugs, "no-such-slug"]) };
        case 2:
          return { __typename: "OperationRun", id: this.entropy.pick([...this.pool.runIds, MISSING_ID]) };
        case 3:
          return { __typename: "Tenant", id: this.entropy.pick(STRINGS) };
        default:
          return { __typename: "Tenant", id: this.entropy.pick(this.pool.tenantIds) };
      }
    });
    const name = this.variable("[_Any!]!", representations);
    const tenant = this.schema.getType("Tenant") as GraphQLObjectType;
    const run = this.schema.getType("OperationRun") as GraphQLObjectType;
    const members = [`... on Tenant ${this.selectionSet(tenant, 2)}`];
    if (this.entropy.chance(50)) members.push(`... on OperationRun ${this.selectionSet(run, 2)}`);
    return `{ _entities(representations: ${name}) { __typename ${members.join(" ")} } }`;
  }

  private variable(type: string, value: unknown, defaultValue?: string): string {
    const name = `$v${this.declarations.length}`;
    this.declarations.push(`${name}: ${type}${defaultValue === undefined ? "" : ` = ${defaultValue}`}`);
    if (value !== undefined) this.variables[name.slice(1)] = value;
    return name;
  }

  private selectionSet(type: GraphQLObjectType, depth: number): string {
    const fields = Object.values(type.getFields()).filter((field) => !field.name.startsWith("_"));
    const leaves = fields.filter((field) => isLeafType(getNamedType(field.type)));
    const candidates = depth >= this.maxDepth ? leaves : fields;
    if (candidates.length === 0) return "{ __typename }";
    // Connections are walked to their nodes: that is where the work is.
    const edges = candidates.find((field) => field.name === "edges");
    const count = 1 + this.entropy.next(5);
    const selections: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const field = index === 0 && edges && this.entropy.chance(85) ? edges : this.entropy.pick(candidates);
      const repeats = this.entropy.chance(15) ? 1 + this.entropy.next(6) : 1;
      for (let repeat = 0; repeat < repeats; repeat += 1) {
        const alias = repeats > 1 || this.entropy.chance(10) ? `a${(this.aliases += 1)}: ` : "";
        selections.push(`${alias}${this.field(field, depth)}`);
      }
    }
    if (this.entropy.chance(10)) selections.push("__typename");
    let body = selections.join(" ");
    if (this.entropy.chance(10)) body = `... on ${type.name} { ${body} }`;
    else if (this.entropy.chance(5)) {
      const name = `F${this.fragments.length}`;
      this.fragments.push(`fragment ${name} on ${type.name} { ${body} }`);
      body = `...${name}`;
    }
    return `{ ${body} }`;
  }

  private field(field: GraphQLField<unknown, unknown>, depth: number): string {
    // `tenant(id, slug)` takes exactly one of the two (anything else is refused before any work).
    const oneOf = field.args.some((argument) => argument.name === "slug") && field.args.some((a) => a.name === "id");
    const args = oneOf
      ? this.argument(this.entropy.pick(field.args), true)
      : field.args.flatMap((argument) => this.argument(argument));
    const call = `${field.name}${args.length ? `(${args.join(", ")})` : ""}`;
    const named = getNamedType(field.type);
    if (isLeafType(named)) return call;
    if (isUnionType(named)) {
      const member = this.entropy.pick(named.getTypes());
      return `${call} { ... on ${member.name} ${this.selectionSet(member, depth + 1)} }`;
    }
    return isObjectType(named) ? `${call} ${this.selectionSet(named, depth + 1)}` : call;
  }

  /** An argument: required ones always, optional ones sometimes; as a literal or a variable. */
  private argument(argument: GraphQLArgument, forced = false): string[] {
    const required = forced || (isNonNullType(argument.type) && argument.defaultValue === undefined);
    if (!required && !this.entropy.chance(OPTIONAL_ARGUMENT_CHANCE[argument.name] ?? 60)) return [];
    const value = this.value(argument.type, argument.name);
    if (this.entropy.chance(35)) {
      const withDefault = this.entropy.chance(30) && !isInputObjectType(getNamedType(argument.type));
      const typeName = String(argument.type);
      // A variable with a default may be declared non-null too (`Int! = 5`) and still be omitted.
      const declared = this.entropy.chance(50) ? typeName : typeName.replace(/!$/, "");
      const name = withDefault
        ? this.variable(declared, undefined, this.literal(argument.type, value))
        : this.variable(typeName, value);
      return [`${argument.name}: ${name}`];
    }
    return [`${argument.name}: ${this.literal(argument.type, value)}`];
  }

  private value(type: GraphQLInputType, name: string): unknown {
    const nullable = getNullableType(type) as GraphQLInputType;
    if (!isNonNullType(type) && this.entropy.chance(5)) return null;
    if (isListType(nullable)) {
      return Array.from({ length: this.entropy.next(4) }, () => this.value(nullable.ofType as GraphQLInputType, name));
    }
    const named: GraphQLNamedType = getNamedType(nullable);
    if (isEnumType(named)) return this.entropy.pick(named.getValues()).name;
    if (isInputObjectType(named)) {
      const value: Record<string, unknown> = {};
      for (const field of Object.values(named.getFields())) {
        if ((isNonNullType(field.type) && field.defaultValue === undefined) || this.entropy.chance(40)) {
          value[field.name] = this.value(field.type, field.name);
        }
      }
      return value;
    }
    if (isScalarType(named)) {
      switch (named.name) {
        case "Int":
          return this.entropy.pick(name === "first" ? PAGE_SIZES : INTS);
        case "Float":
          return this.entropy.pick([0, 0.5, 1, -1, 1e308]);
        case "Boolean":
          return this.entropy.chance(50);
        case "ID":
          return this.entropy.pick([...this.pool.tenantIds, ...this.pool.runIds, MISSING_ID, "not-a-uuid", ""]);
        default:
          if (name === "after") return this.entropy.pick([...this.pool.cursors, "garbage", "", "QUFB".repeat(60)]);
          if (name === "slug") return this.entropy.pick([...this.pool.tenantSlugs, "Not-Lower", "ab"]);
          return this.entropy.pick(STRINGS);
      }
    }
    return null;
  }

  /** A value as a GraphQL literal (enums bare, input objects with unquoted keys). */
  private literal(type: GraphQLInputType, value: unknown): string {
    if (value === null || value === undefined) return "null";
    const nullable = getNullableType(type) as GraphQLInputType;
    if (isListType(nullable)) {
      return `[${(value as unknown[]).map((item) => this.literal(nullable.ofType as GraphQLInputType, item)).join(", ")}]`;
    }
    const named = getNamedType(nullable);
    if (isEnumType(named)) return String(value);
    if (isInputObjectType(named)) {
      const fields = named.getFields();
      return `{ ${Object.entries(value as Record<string, unknown>)
        .map(([key, item]) => `${key}: ${this.literal((fields[key] as { type: GraphQLInputType }).type, item)}`)
        .join(", ")} }`;
    }
    return JSON.stringify(value);
  }
}
