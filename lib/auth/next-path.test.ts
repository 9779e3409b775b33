import { describe, expect, it } from 'vitest';
import { safeNextPath } from './next-path';

describe('safeNextPath', () => {
  it.each([
    ['/account', '/account'],
    ['/admin/users?x=1', '/admin/users?x=1'],
    ['/account?_rsc=abc', '/account'],
    ['//evil.example/x', '/'],
    ['/.//evil.example', '/'],
    ['/%2e%2e//evil.example', '/'],
    ['/x/..//evil.example', '/'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['/\\\\evil.example', '/'],
    ['/a/./b/../c', '/a/c'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['/signin?next=/x', '/'],
    ['/api/auth/signout', '/'],
    [undefined, '/'],
    [42, '/'],
  ])('%j → %j', (input, expected) => {
    expect(safeNextPath(input)).toBe(expected);
  });
});
