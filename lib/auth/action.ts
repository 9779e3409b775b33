import { unstable_rethrow } from 'next/navigation';
import { z } from 'zod';
import type { Locale } from '../../i18n/locales';
import { requestLocale } from '../../i18n/request-locale';
import { localizeError, localizeText } from '../../i18n/server-messages';
import type { Role } from '../db/schema';
import { errorText } from '../observability/error-text';
import { log } from '../observability/log';
import type { ErrorValue } from '../result';
import { type CurrentUser, getCurrentUser } from './guards';

/**
 * The one wrapper every server action goes through: parse the form with zod, load the session
 * from the database, check the role, then call the handler. Results are values with stable
 * error codes so the UI and the tests match on codes.
 *
 * Every error it returns — its own and the handler's — reaches the person in the language the
 * page is shown in (i18n/server-messages.ts); handlers translate the messages they put inside a
 * successful result (per target, per item) with the `i18n` they are given.
 */
export type ActionResult<T = unknown> = { ok: true; data: T } | { ok: false; error: ErrorValue };
export type ActionState<T = unknown> = ActionResult<T> | null;

export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.join('.') || 'form';
    fields[key] ??= issue.message;
  }
  return fields;
}

export const notSignedIn: ErrorValue = {
  code: 'not_signed_in',
  message: 'Your session has ended. Sign in again.',
};
export const notAllowed: ErrorValue = { code: 'not_allowed', message: 'You are not allowed to do that.' };

/** The person's language, for messages a handler puts inside a successful result. */
export type ActionI18n = { locale: Locale; text: (english: string) => string };

/** zod's own messages (a field without a message of ours) in the person's language too. */
const zodLocales: Partial<Record<Locale, z.core.$ZodErrorMap>> = { bg: z.locales.bg().localeError };

export function validatedAction<S extends z.ZodType, T>(
  schema: S,
  options: {
    roles?: Role[];
    /** Fields sent once per value (checkbox groups, multi-selects). */
    arrays?: string[];
    /** Allowed while the person must still replace a password an admin reset. */
    duringPasswordChange?: boolean;
  },
  handler: (input: z.output<S>, current: CurrentUser, i18n: ActionI18n) => Promise<ActionResult<T>>,
) {
  return async (previous: ActionState<T> | undefined, formData: FormData): Promise<ActionResult<T>> => {
    const current = await getCurrentUser();
    const locale = await requestLocale(current?.user ?? null);
    const result = await run(previous, formData, current, {
      locale,
      text: (english) => localizeText(english, locale),
    });
    return result.ok ? result : { ok: false, error: localizeError(result.error, locale) };
  };

  async function run(
    _previous: ActionState<T> | undefined,
    formData: FormData,
    current: CurrentUser | null,
    i18n: ActionI18n,
  ): Promise<ActionResult<T>> {
    if (!current) return { ok: false, error: notSignedIn };
    if (options.roles && !options.roles.includes(current.user.role)) return { ok: false, error: notAllowed };
    if (current.user.mustChangePassword && !options.duringPasswordChange) {
      return {
        ok: false,
        error: { code: 'password_change_required', message: 'Choose a new password under Account first.' },
      };
    }
    const raw: Record<string, unknown> = formData instanceof FormData ? Object.fromEntries(formData) : {};
    for (const name of options.arrays ?? []) {
      raw[name] = formData instanceof FormData ? formData.getAll(name).map(String) : [];
    }
    const zodLocale = zodLocales[i18n.locale];
    const parsed = schema.safeParse(raw, zodLocale ? { error: zodLocale } : undefined);
    if (!parsed.success) {
      return {
        ok: false,
        error: {
          code: 'invalid_input',
          message: 'Check the highlighted fields.',
          fields: fieldErrors(parsed.error),
        },
      };
    }
    try {
      return await handler(parsed.data, current, i18n);
    } catch (error) {
      unstable_rethrow(error);
      log().error({ err: errorText(error) }, 'server action failed');
      return {
        ok: false,
        error: { code: 'internal_error', message: 'Something went wrong; nothing was changed.' },
      };
    }
  }
}
