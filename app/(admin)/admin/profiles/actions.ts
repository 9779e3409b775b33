'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { z } from 'zod';
import { type ActionResult, validatedAction } from '@/lib/auth/action';
import { getDb } from '@/lib/db';
import {
  applyProfile,
  createProfile,
  deleteProfile,
  dryRunProfile,
  dryRunRemoveProfile,
  type ProfileError,
  type RouterChange,
  removeProfile,
  updateProfile,
} from '@/lib/profiles/service';
import type { ErrorValue } from '@/lib/result';

const admins = { roles: ['admin' as const] };
const profileId = z.uuid({ message: 'Unknown knock profile.' });
const routerId = z.uuid({ message: 'Unknown router.' });

/** Service errors in the admin's language where a translation exists; field errors by code. */
async function translated(error: ProfileError): Promise<{ ok: false; error: ErrorValue }> {
  const t = await getTranslations('profiles');
  const key = `serviceErrors.${error.code}`;
  const message = t.has(key) ? t(key as 'serviceErrors.not_found') : error.message;
  let fields = error.fields;
  if (error.issues) {
    fields = {};
    for (const issue of error.issues) {
      fields[issue.path.join('.') || 'form'] ??= t(`errors.${issue.code}` as 'errors.invalid_field');
    }
  }
  // Router errors carry useful detail (the router's own words, how far the run got): keep it.
  const detailed = error.code.startsWith('router_') || error.code === 'verify_failed';
  return {
    ok: false,
    error: {
      code: error.code,
      message: detailed && message !== error.message ? `${message} ${error.message}` : message,
      ...(fields ? { fields } : {}),
    },
  };
}

export const saveProfileAction = validatedAction(
  z.object({ id: profileId.optional(), definition: z.string().max(100_000) }),
  admins,
  async (input, { actor }): Promise<ActionResult<{ id: string }>> => {
    let definition: unknown;
    try {
      definition = JSON.parse(input.definition);
    } catch {
      return translated({ code: 'invalid_definition', message: 'The profile could not be read.' });
    }
    const db = await getDb();
    const result = input.id
      ? await updateProfile(db, actor, input.id, definition)
      : await createProfile(db, actor, definition);
    if (!result.ok) return translated(result.error);
    revalidatePath('/admin/profiles');
    if (!input.id) redirect(`/admin/profiles/${result.value.id}`);
    revalidatePath(`/admin/profiles/${result.value.id}`);
    return { ok: true, data: { id: result.value.id } };
  },
);

export const deleteProfileAction = validatedAction(
  z.object({ id: profileId }),
  admins,
  async ({ id }, { actor }): Promise<ActionResult<null>> => {
    const result = await deleteProfile(await getDb(), actor, id);
    if (!result.ok) return translated(result.error);
    revalidatePath('/admin/profiles');
    redirect('/admin/profiles');
  },
);

export type ChangeView = {
  routerName: string;
  summary: RouterChange['summary'];
  diff: string;
  executed: number;
  windowEndsAt: string | null;
};

function view(change: RouterChange): ChangeView {
  return {
    routerName: change.routerName,
    summary: change.summary,
    diff: change.diff,
    executed: change.executed,
    windowEndsAt: change.windowEndsAt?.toISOString() ?? null,
  };
}

const target = z.object({ profileId, routerId });

export const dryRunAction = validatedAction(
  target,
  admins,
  async (input): Promise<ActionResult<ChangeView>> => {
    const result = await dryRunProfile(await getDb(), input.profileId, input.routerId);
    return result.ok ? { ok: true, data: view(result.value) } : translated(result.error);
  },
);

export const applyAction = validatedAction(
  target,
  admins,
  async (input, { actor }): Promise<ActionResult<ChangeView>> => {
    const result = await applyProfile(await getDb(), actor, input.profileId, input.routerId);
    revalidatePath(`/admin/profiles/${input.profileId}`);
    revalidatePath('/admin/profiles');
    return result.ok ? { ok: true, data: view(result.value) } : translated(result.error);
  },
);

export const previewRemoveAction = validatedAction(
  target,
  admins,
  async (input): Promise<ActionResult<ChangeView>> => {
    const result = await dryRunRemoveProfile(await getDb(), input.profileId, input.routerId);
    return result.ok ? { ok: true, data: view(result.value) } : translated(result.error);
  },
);

export const removeAction = validatedAction(
  target,
  admins,
  async (input, { actor }): Promise<ActionResult<ChangeView>> => {
    const result = await removeProfile(await getDb(), actor, input.profileId, input.routerId);
    revalidatePath(`/admin/profiles/${input.profileId}`);
    revalidatePath('/admin/profiles');
    return result.ok ? { ok: true, data: view(result.value) } : translated(result.error);
  },
);
