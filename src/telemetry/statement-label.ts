// Readable names for SQL statements in traces. Statements run prepared under hash names
// (`s_<sha1>`), which say nothing in a trace viewer: a span is named by what the statement does
// and to which table instead, as OpenTelemetry's database conventions name spans
// (`{db.operation.name} {db.collection.name}`). Taken from the text, never from its values.

export interface StatementLabel {
  /** `SELECT tenants`, `INSERT audit_events`, or the bare keyword when no table is named. */
  summary: string;
  operation: string;
  table?: string;
}

/** Statement texts are constants of the stores: a few hundred at most. */
const CACHE_LIMIT = 2_000;
const cache = new Map<string, StatementLabel>();

const MAIN_KEYWORDS = new Set(["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE"]);
const WRITE_KEYWORDS = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"]);

/** A statement that writes, not `FOR UPDATE`, `FOR NO KEY UPDATE` or `ON CONFLICT DO UPDATE`. */
function isWrite(token: Token, previous: Token | undefined): boolean {
  const word = token.word.toUpperCase();
  if (!WRITE_KEYWORDS.has(word)) return false;
  return !(word === "UPDATE" && ["FOR", "KEY", "DO"].includes(previous?.word.toUpperCase() ?? ""));
}

function firstIndex<T>(items: readonly T[], matches: (item: T, index: number) => boolean): number | null {
  const index = items.findIndex(matches);
  return index < 0 ? null : index;
}
const IDENTIFIER = /^(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*)(?:\.(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*))*$/;

export function statementLabel(text: string): StatementLabel {
  const known = cache.get(text);
  if (known) return known;
  const label = labelOf(text);
  if (cache.size < CACHE_LIMIT) cache.set(text, label);
  return label;
}

function labelOf(text: string): StatementLabel {
  const tokens = tokenize(text);
  const first = tokens[0]?.word.toUpperCase();
  if (first === undefined) return { summary: "statement", operation: "statement" };
  // A statement with common table expressions is named by what it changes — the first INSERT,
  // UPDATE or DELETE among them (a CTE that inserts the event, then a SELECT from that CTE,
  // is an insert) — or else by its main statement, the first one at the top level.
  const start =
    first === "WITH"
      ? (firstIndex(tokens, (token, index) => isWrite(token, tokens[index - 1])) ??
        tokens.findIndex(
          (token, index) => index > 0 && token.depth === 0 && MAIN_KEYWORDS.has(token.word.toUpperCase()),
        ))
      : 0;
  const main = tokens[start < 0 ? 0 : start];
  const operation = (main?.word ?? first).toUpperCase();
  const table = tableOf(operation, tokens, start < 0 ? 0 : start);
  return table ? { summary: `${operation} ${table}`, operation, table } : { summary: operation, operation };
}

interface Token {
  word: string;
  /** Parenthesis depth at which the token stands. */
  depth: number;
}

/** Words, quoted identifiers and parentheses; comments, strings and numbers are dropped. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  const pattern =
    /--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|"[^"]+"(?:\.(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*))*|[A-Za-z_][A-Za-z0-9_$.]*|[()]/g;
  for (const match of text.matchAll(pattern)) {
    const word = match[0];
    if (word === "(") {
      tokens.push({ word, depth });
      depth += 1;
    } else if (word === ")") {
      depth = Math.max(0, depth - 1);
      tokens.push({ word, depth });
    } else if (!word.startsWith("--") && !word.startsWith("/*") && !word.startsWith("'")) {
      tokens.push({ word, depth });
    }
  }
  return tokens;
}

/** The table a statement works on: after INTO, UPDATE, or the first FROM (or JOIN) that names a table. */
function tableOf(operation: string, tokens: Token[], start: number): string | undefined {
  const depth = tokens[start]?.depth ?? 0;
  const after = (keyword: string, from: number): string | undefined => {
    for (let index = from; index < tokens.length - 1; index += 1) {
      const token = tokens[index] as Token;
      if (token.word.toUpperCase() !== keyword || token.depth < depth) continue;
      const next = tokens[index + 1] as Token;
      const following = tokens[index + 2];
      // `FROM unnest($1)` or `FROM (SELECT …)` name no table: look further. After INTO, a
      // parenthesis is the column list.
      const isCall = keyword === "FROM" && following?.word === "(";
      if (IDENTIFIER.test(next.word) && !isCall && !isKeyword(next.word)) {
        return next.word.replaceAll('"', "");
      }
    }
    return undefined;
  };
  if (operation === "INSERT" || operation === "MERGE") return after("INTO", start);
  if (operation === "UPDATE") return after("UPDATE", start);
  // From a set-returning function (`FROM unnest($1)`), the table is the one joined.
  if (operation === "DELETE" || operation === "SELECT") return after("FROM", start) ?? after("JOIN", start);
  return undefined;
}

function isKeyword(word: string): boolean {
  return ["LATERAL", "ONLY", "SELECT", "WITH"].includes(word.toUpperCase());
}
