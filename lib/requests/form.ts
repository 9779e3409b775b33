import { z } from 'zod';
import { durationSchema } from '../policies/duration';

import { NOTE_MAX, REASON_MAX, REASON_MIN } from './limits';

export { NOTE_MAX, REASON_MAX, REASON_MIN };

/** `any` (every target of the policy) or `<routerId>|<list>` (list empty: the router's own list). */
const targetSchema = z
  .string({ error: 'Choose where to open access.' })
  .regex(/^(any|[0-9a-f-]{36}\|[^|]{0,64})$/, 'Choose where to open access.');

export const requestFormSchema = z.object({
  target: targetSchema,
  /** Empty: the caller's own address. */
  address: z.string().max(300, 'That is too long to be an address or host name.').optional().default(''),
  duration: durationSchema,
  reason: z
    .string({ error: `Say why you need access (${REASON_MIN}–${REASON_MAX} characters).` })
    .trim()
    .min(REASON_MIN, `Say why you need access in at least ${REASON_MIN} characters.`)
    .max(REASON_MAX, `Keep the reason to ${REASON_MAX} characters or fewer.`),
});
export type RequestForm = z.output<typeof requestFormSchema>;

const requestId = z.uuid({ message: 'Unknown request.' });
const note = z
  .string()
  .trim()
  .max(NOTE_MAX, `Keep the note to ${NOTE_MAX} characters or fewer.`)
  .optional()
  .transform((v) => (v ? v : undefined));

export const approveFormSchema = z.object({
  requestId,
  /** Empty: as asked. */
  duration: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const parsed = durationSchema.safeParse(v);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'Not a duration.' });
        return z.NEVER;
      }
      return parsed.data;
    }),
  note,
});

export const denyFormSchema = z.object({ requestId, note });
export const cancelFormSchema = z.object({ requestId });
