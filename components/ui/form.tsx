'use client';

import { type ComponentProps, type FormEvent, startTransition } from 'react';

type Dispatch = (formData: FormData) => void;

/**
 * A form bound to server actions that keeps what the person typed. React 19 resets a
 * `<form action>` after every submission, which loses the input when the server answers with a
 * field error (or after "Test connection"). With JavaScript the submission goes through
 * `onSubmit` without a reset; without it, the plain `action` still works.
 *
 * A submit button with `name="intent"` and a value listed in `intents` runs that action instead.
 */
export function ActionForm({
  action,
  intents,
  ...props
}: { action: Dispatch; intents?: Record<string, Dispatch> } & Omit<
  ComponentProps<'form'>,
  'action' | 'onSubmit'
>) {
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const data = new FormData(event.currentTarget, submitter);
    const intent = submitter?.name === 'intent' ? submitter.value : undefined;
    const run = (intent && intents?.[intent]) || action;
    startTransition(() => run(data));
  }
  return <form action={action} onSubmit={onSubmit} {...props} />;
}
