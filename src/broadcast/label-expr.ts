// Label expressions of a broadcast audience (API.md: a label string, or
// { and: [...] } | { or: [...] } | { not: x }): checked with the path of each
// error, and compiled to a parameterised SQL condition over people.labels.

/** A label as on conversations and people: 1..32 of [a-z0-9_:-]. */
export const LABEL_PATTERN = /^[a-z0-9_:-]{1,32}$/;
/** Nesting deeper than this is refused (a label at the top is depth 1). */
export const MAX_DEPTH = 5;
/** At most this many labels in one expression (D1 binds at most 100 parameters per query). */
export const MAX_LABELS = 50;

export type LabelExpr = string | { and: LabelExpr[] } | { or: LabelExpr[] } | { not: LabelExpr };

/** One problem in a label expression, at its dotted path. */
export interface ExprError {
  path: string;
  message: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks `value` as a LabelExpr. Returns the expression, or every error found
 * with its dotted path under `path` (e.g. "audience.labels.and.1.not").
 */
export function parseLabelExpr(value: unknown, path: string): { ok: true; expr: LabelExpr } | { ok: false; errors: ExprError[] } {
  const errors: ExprError[] = [];
  let labels = 0;
  const walk = (node: unknown, at: string, depth: number): LabelExpr | null => {
    if (depth > MAX_DEPTH) {
      errors.push({ path: at, message: `nested deeper than ${MAX_DEPTH} levels` });
      return null;
    }
    if (typeof node === "string") {
      labels++;
      if (labels === MAX_LABELS + 1) errors.push({ path: at, message: `more than ${MAX_LABELS} labels in one expression` });
      if (!LABEL_PATTERN.test(node)) errors.push({ path: at, message: "a label is 1..32 of [a-z0-9_:-]" });
      return node;
    }
    if (!isRecord(node)) {
      errors.push({ path: at, message: "expected a label or an object with and, or, not" });
      return null;
    }
    const keys = Object.keys(node);
    if (keys.length !== 1 || !["and", "or", "not"].includes(keys[0]!)) {
      const unknown = keys.find((k) => !["and", "or", "not"].includes(k));
      errors.push({
        path: unknown ? `${at}.${unknown}` : at,
        message: unknown ? `unknown operator "${unknown}" (use and, or, not)` : "exactly one of and, or, not",
      });
      return null;
    }
    const op = keys[0] as "and" | "or" | "not";
    const inner = node[op];
    if (op === "not") {
      const child = walk(inner, `${at}.not`, depth + 1);
      return child === null ? null : { not: child };
    }
    if (!Array.isArray(inner) || inner.length === 0) {
      errors.push({ path: `${at}.${op}`, message: "expected a non-empty array" });
      return null;
    }
    const children = inner.map((child, i) => walk(child, `${at}.${op}.${i}`, depth + 1));
    if (children.some((c) => c === null)) return null;
    return op === "and" ? { and: children as LabelExpr[] } : { or: children as LabelExpr[] };
  };
  const expr = walk(value, path, 1);
  if (errors.length > 0 || expr === null) return { ok: false, errors };
  return { ok: true, expr };
}

/**
 * A SQL condition that holds when the JSON array in column `labelsColumn`
 * satisfies `expr`, with its bound parameters in order.
 */
export function labelExprSql(expr: LabelExpr, labelsColumn: string): { sql: string; params: string[] } {
  const params: string[] = [];
  const build = (node: LabelExpr): string => {
    if (typeof node === "string") {
      params.push(node);
      return `EXISTS (SELECT 1 FROM json_each(${labelsColumn}) WHERE json_each.value = ?)`;
    }
    if ("not" in node) return `NOT (${build(node.not)})`;
    if ("and" in node) return `(${node.and.map(build).join(" AND ")})`;
    return `(${node.or.map(build).join(" OR ")})`;
  };
  return { sql: build(expr), params };
}

/** Whether a person with `labels` matches `expr` (the same rule as the SQL, for tests and previews). */
export function matchesLabels(expr: LabelExpr, labels: readonly string[]): boolean {
  if (typeof expr === "string") return labels.includes(expr);
  if ("not" in expr) return !matchesLabels(expr.not, labels);
  if ("and" in expr) return expr.and.every((e) => matchesLabels(e, labels));
  return expr.or.some((e) => matchesLabels(e, labels));
}
