import { z } from 'zod';

/**
 * An HTML checkbox as a form field: browsers send `on` when it is ticked and nothing when it is
 * not; scripts may send `true`/`false`.
 */
export const checkboxField = z
  .union([z.literal('on'), z.literal('true'), z.literal('false'), z.literal(''), z.boolean()])
  .optional()
  .transform((v) => v === 'on' || v === 'true' || v === true);
