/**
 * Evaluates API query words against printed rows, with the stack semantics of the RouterOS API manual:
 *   ?name        push: the row has the property
 *   ?-name       push: the row lacks the property
 *   ?name=x      push: the property equals x (also spelled ?=name=x)
 *   ?<name=x     push: the property is less than x
 *   ?>name=x     push: the property is greater than x
 *   ?#ops        each char: | pops two, pushes or; & pops two, pushes and; ! negates the top;
 *                . duplicates the top; a number pushes a copy of the value at that index
 * When the words are done, all values left on the stack are and-ed (an empty stack matches all).
 */

export type PrintedRow = ReadonlyMap<string, string>;
type Step = (row: PrintedRow, stack: boolean[]) => void;

export class QueryError extends Error {}

// RouterOS prints booleans as true/false but accepts yes/no in queries too.
function normalise(value: string): string {
  if (value === 'yes') return 'true';
  if (value === 'no') return 'false';
  return value;
}

function compare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function pop(stack: boolean[]): boolean {
  const v = stack.pop();
  if (v === undefined) throw new QueryError('query stack underflow');
  return v;
}

function compileOps(ops: string): Step {
  const tokens = ops.match(/\d+|[|&!.]/g) ?? [];
  if (tokens.join('') !== ops || tokens.length === 0) throw new QueryError(`unknown query operation ${ops}`);
  return (_row, stack) => {
    for (const token of tokens) {
      if (token === '|') {
        const b = pop(stack);
        const a = pop(stack);
        stack.push(a || b);
      } else if (token === '&') {
        const b = pop(stack);
        const a = pop(stack);
        stack.push(a && b);
      } else if (token === '!') stack.push(!pop(stack));
      else if (token === '.') {
        const top = pop(stack);
        stack.push(top, top);
      } else {
        const v = stack[Number(token)];
        if (v === undefined) throw new QueryError(`query stack has no value at ${token}`);
        stack.push(v);
      }
    }
  };
}

function compileWord(word: string): Step {
  if (word.startsWith('#')) return compileOps(word.slice(1));
  if (word.startsWith('-')) {
    const name = word.slice(1);
    return (row, stack) => stack.push(!row.has(name));
  }
  // `?=name=x` is the manual's spelling of equality (librouteros sends it); `?name=x` is the short form.
  const op = word[0] === '<' || word[0] === '>' || word[0] === '=' ? word[0] : '';
  const body = op ? word.slice(1) : word;
  const eq = body.indexOf('=');
  if (eq === -1) {
    if (op) throw new QueryError(`query ${word} needs a value`);
    return (row, stack) => stack.push(row.has(body));
  }
  const name = body.slice(0, eq);
  const value = normalise(body.slice(eq + 1));
  if (op === '<') return (row, stack) => stack.push(row.has(name) && compare(row.get(name) ?? '', value) < 0);
  if (op === '>') return (row, stack) => stack.push(row.has(name) && compare(row.get(name) ?? '', value) > 0);
  // `?name=` (empty value) matches rows where the property is absent or empty.
  return (row, stack) => stack.push(normalise(row.get(name) ?? '') === value);
}

/** Compiles query words (without their leading `?`) into a row predicate. Throws QueryError. */
export function compileQuery(words: readonly string[]): (row: PrintedRow) => boolean {
  if (words.length === 0) return () => true;
  checkDepth(words);
  const steps = words.map(compileWord);
  return (row) => {
    const stack: boolean[] = [];
    for (const step of steps) step(row, stack);
    return stack.every(Boolean);
  };
}

/** Stack effects do not depend on row values, so an underflow is found before any row is read. */
function checkDepth(words: readonly string[]): void {
  let depth = 0;
  for (const word of words) {
    if (!word.startsWith('#')) {
      depth += 1;
      continue;
    }
    for (const token of word.slice(1).match(/\d+|[|&!.]/g) ?? []) {
      if (token === '|' || token === '&') {
        if (depth < 2) throw new QueryError('query stack underflow');
        depth -= 1;
      } else if (token === '!') {
        if (depth < 1) throw new QueryError('query stack underflow');
      } else if (token === '.') {
        if (depth < 1) throw new QueryError('query stack underflow');
        depth += 1;
      } else {
        if (Number(token) >= depth) throw new QueryError(`query stack has no value at ${token}`);
        depth += 1;
      }
    }
  }
}
