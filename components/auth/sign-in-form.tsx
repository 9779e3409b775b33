'use client';

import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { useTranslations } from 'next-intl';
import { type FormEvent, useRef, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';

type Problem = { code: string; minutes?: number } | null;

/** Parses the error code that the credentials provider passes through next-auth. */
function problemFrom(error: string | null | undefined): Problem {
  if (!error) return null;
  if (error.startsWith('throttled:')) return { code: 'throttled', minutes: Number(error.split(':')[1]) || 1 };
  if (['invalid_credentials', 'totp_required', 'totp_invalid'].includes(error)) return { code: error };
  return { code: 'unknown' };
}

export function SignInForm({ next }: { next: string }) {
  const t = useTranslations('signin');
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem>(null);
  const [needCode, setNeedCode] = useState(false);
  const codeRef = useRef<HTMLInputElement>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setProblem(null);
    try {
      const result = await signIn('credentials', {
        redirect: false,
        username: String(form.get('username') ?? ''),
        password: String(form.get('password') ?? ''),
        code: String(form.get('code') ?? ''),
      });
      if (result?.ok && !result.error) {
        router.replace(next);
        router.refresh();
        return;
      }
      const p = problemFrom(result?.error);
      if (p?.code === 'totp_required' || p?.code === 'totp_invalid') {
        setNeedCode(true);
        setTimeout(() => codeRef.current?.focus(), 0);
      }
      setProblem(p ?? { code: 'unknown' });
    } catch {
      setProblem({ code: 'unknown' });
    } finally {
      setPending(false);
    }
  }

  const message = problem
    ? problem.code === 'throttled'
      ? t('throttled', { minutes: problem.minutes ?? 1 })
      : t(problem.code as 'invalid_credentials')
    : null;

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      {message && (
        <Alert tone={problem?.code === 'totp_required' ? 'info' : 'error'} className="text-sm">
          <span data-testid="signin-error" data-code={problem?.code}>
            {message}
          </span>
        </Alert>
      )}
      <TextField label={t('username')} name="username" autoComplete="username" required autoFocus />
      <TextField
        label={t('password')}
        name="password"
        type="password"
        autoComplete="current-password"
        required
      />
      {needCode && (
        <TextField
          ref={codeRef}
          label={t('code')}
          name="code"
          inputMode="text"
          autoComplete="one-time-code"
          hint={t('codeHint')}
        />
      )}
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? t('submitting') : t('submit')}
      </Button>
    </form>
  );
}
