/**
 * The unit that the generator, the .rsc export, the apply planner and the simulator's firewall engine
 * share: one RouterOS configuration row in API attribute names, plus the table (menu) it lives in.
 */

export const RULE_TABLES = [
  '/ip/firewall/filter',
  '/ip/firewall/nat',
  '/ip/firewall/raw',
  '/ip/firewall/layer7-protocol',
] as const;

export type RuleTable = (typeof RULE_TABLES)[number];

export type Rule = {
  table: RuleTable;
  /** RouterOS API attribute names (`chain`, `dst-port`, …) → values exactly as sent to the router. */
  attrs: Record<string, string>;
};

/** Tables whose rows are evaluated in order (place-before / move make sense there). */
export function isOrderedTable(table: RuleTable): boolean {
  return table !== '/ip/firewall/layer7-protocol';
}

/** Every row Knockgate writes for a profile carries `comment=knockgate-profile:<id>:<n>`. */
export const PROFILE_TAG_PREFIX = 'knockgate-profile:';

/** Profile ids end up inside a RouterOS comment and a tag prefix, so `:` and spaces are excluded. */
export const PROFILE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function isProfileId(value: string): boolean {
  return PROFILE_ID_PATTERN.test(value);
}

export function profileTagPrefix(profileId: string): string {
  return `${PROFILE_TAG_PREFIX}${profileId}:`;
}

export function profileTag(profileId: string, n: number): string {
  return `${profileTagPrefix(profileId)}${n}`;
}

/** True for a row that belongs to the given profile (the only rows apply/remove may touch). */
export function isOwnComment(comment: string | undefined, profileId: string): boolean {
  return comment?.startsWith(profileTagPrefix(profileId)) ?? false;
}

/** True for a row written by any Knockgate profile; such rows are never an "admin" anchor. */
export function isKnockgateComment(comment: string | undefined): boolean {
  return comment?.startsWith(PROFILE_TAG_PREFIX) ?? false;
}

export function parseProfileTag(comment: string | undefined): { profileId: string; n: number } | null {
  if (comment === undefined || !comment.startsWith(PROFILE_TAG_PREFIX)) return null;
  const rest = comment.slice(PROFILE_TAG_PREFIX.length);
  const match = /^([A-Za-z0-9][A-Za-z0-9_-]{0,63}):([1-9][0-9]{0,5})$/.exec(rest);
  if (!match) return null;
  return { profileId: match[1]!, n: Number(match[2]) };
}
