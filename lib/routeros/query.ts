/**
 * Builders for API query words. A query is a small stack program: each `?name=value` pushes a
 * boolean, `?#|` / `?#&` pop two and push their or/and, `?#!` negates the top; whatever is left
 * is and-ed. Only `print` takes query words.
 */

export type QueryWords = readonly string[];

/** `?name=value`: property equals value. */
export function eq(name: string, value: string | number | boolean): QueryWords {
  const v = typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value);
  return [`?${name}=${v}`];
}

/** `?name`: the item has the property. */
export function has(name: string): QueryWords {
  return [`?${name}`];
}

/** `?-name`: the item lacks the property. */
export function lacks(name: string): QueryWords {
  return [`?-${name}`];
}

export function lt(name: string, value: string | number): QueryWords {
  return [`?<${name}=${value}`];
}

export function gt(name: string, value: string | number): QueryWords {
  return [`?>${name}=${value}`];
}

export function not(query: QueryWords): QueryWords {
  return [...query, '?#!'];
}

export function and(...parts: QueryWords[]): QueryWords {
  return combine(parts, '?#&');
}

export function or(...parts: QueryWords[]): QueryWords {
  return combine(parts, '?#|');
}

function combine(parts: QueryWords[], op: string): QueryWords {
  if (parts.length === 0) return [];
  const words = parts.flat();
  for (let i = 1; i < parts.length; i += 1) words.push(op);
  return words;
}
