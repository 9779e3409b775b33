import { describe, expect, it } from 'vitest';
import { grantIdFromComment, grantTag, isKnockgateComment } from './tag';

describe('grant tags', () => {
  const id = '3f1c2a9e-7b4d-4c1a-9e2f-0a1b2c3d4e5f';
  it('owns exactly knockgate:<uuid>', () => {
    expect(isKnockgateComment(grantTag(id))).toBe(true);
    expect(grantIdFromComment(grantTag(id))).toBe(id);
  });
  it.each([
    'knockgate: office',
    'knockgate:',
    'knockgate:123',
    `knockgate:${id} extra`,
    `Knockgate:${id}`,
    undefined,
    '',
  ])('does not own %j', (comment) => {
    expect(isKnockgateComment(comment)).toBe(false);
  });
});
