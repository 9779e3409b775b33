import { z } from 'zod';
import { checkboxField } from '../forms/fields';

/** RouterOS list names: keep to characters that need no quoting in scripts and exports. */
export const listNameSchema = z
  .string()
  .trim()
  .min(1, 'Enter a list name.')
  .max(63, 'Use at most 63 characters.')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/,
    'Use letters, digits and _ . : - (starting with a letter or digit).',
  );

const hostSchema = z
  .string()
  .trim()
  .min(1, 'Enter the router address or host name.')
  .max(253, 'That host name is too long.')
  .refine(
    (v) =>
      /^[0-9.]+$/.test(v)
        ? /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(v)
        : /^\[?[0-9a-fA-F:.]+\]?$/.test(v) && v.includes(':')
          ? true
          : /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(
              v,
            ),
    'Enter an IP address or a host name.',
  )
  .transform((v) => v.replace(/^\[|\]$/g, ''));

/** SHA-256 certificate fingerprint: 64 hex digits, colons and spaces allowed; stored lower-case without them. */
export const fingerprintSchema = z
  .string()
  .trim()
  .transform((v) => v.replace(/[\s:]/g, '').toLowerCase())
  .refine(
    (v) => v === '' || /^[0-9a-f]{64}$/.test(v),
    'A SHA-256 fingerprint is 64 hex digits (colons allowed).',
  );

export const routerFormSchema = z.object({
  name: z.string().trim().min(1, 'Enter a name.').max(64, 'Use at most 64 characters.'),
  host: hostSchema,
  port: z
    .string()
    .trim()
    .optional()
    .refine(
      (v) => v === undefined || v === '' || (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535),
      'Use a port from 1 to 65535.',
    )
    .transform((v) => (v === undefined || v === '' ? undefined : Number(v))),
  tls: checkboxField,
  fingerprint: fingerprintSchema.optional().transform((v) => v || null),
  username: z.string().trim().min(1, 'Enter the API user name.').max(64, 'Use at most 64 characters.'),
  /** Blank when editing keeps the stored password. */
  password: z.string().max(256, 'Use at most 256 characters.').optional().default(''),
  ipv4List: listNameSchema.optional().default('knockgate'),
  ipv6List: listNameSchema.optional().default('knockgate'),
  enabled: checkboxField,
});
export type RouterForm = z.output<typeof routerFormSchema>;
