/** The comment Knockgate puts on its router entries: `knockgate:<grantId>`. */
export const GRANT_TAG_PREFIX = 'knockgate:';

export function grantTag(grantId: string): string {
  return `${GRANT_TAG_PREFIX}${grantId}`;
}

/** The grant id of a tagged comment, or undefined for an entry Knockgate does not manage. */
export function grantIdFromComment(comment: string | undefined): string | undefined {
  if (!comment?.startsWith(GRANT_TAG_PREFIX)) return undefined;
  const id = comment.slice(GRANT_TAG_PREFIX.length);
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id) ? id : undefined;
}

/**
 * Whether Knockgate owns an entry: its comment is exactly `knockgate:<uuid>`. A comment that merely
 * starts with `knockgate:` (an admin's "knockgate: office") is someone else's entry.
 */
export function isKnockgateComment(comment: string | undefined): boolean {
  return grantIdFromComment(comment) !== undefined;
}
