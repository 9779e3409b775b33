import type { ComponentProps, ReactNode } from 'react';
import { cn } from './cn';

const control =
  'block w-full rounded-md border bg-white px-3 py-2 text-sm shadow-sm placeholder:text-zinc-400 dark:bg-zinc-900 ' +
  'border-zinc-300 dark:border-zinc-700 aria-[invalid=true]:border-red-500';

type FieldProps = { label: ReactNode; name: string; id?: string; error?: string; hint?: ReactNode };

/** A labelled control with its inline error, wired with aria-describedby for screen readers. */
function FieldShell({
  label,
  id,
  error,
  hint,
  children,
}: {
  label: ReactNode;
  id: string;
  error?: string;
  hint?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
        {label}
      </label>
      {children}
      {hint && !error && (
        <p id={`${id}-hint`} className="text-xs text-zinc-600 dark:text-zinc-400">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="text-sm text-red-700 dark:text-red-400" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function controlProps(id: string, name: string, error?: string, hint?: ReactNode) {
  return {
    id,
    name,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? `${id}-error` : hint ? `${id}-hint` : undefined,
  };
}

export function TextField({
  label,
  name,
  id,
  error,
  hint,
  className,
  ...props
}: FieldProps & ComponentProps<'input'>) {
  const inputId = id ?? name;
  return (
    <FieldShell label={label} id={inputId} error={error} hint={hint}>
      <input {...props} {...controlProps(inputId, name, error, hint)} className={cn(control, className)} />
    </FieldShell>
  );
}

export function TextAreaField({
  label,
  name,
  id,
  error,
  hint,
  className,
  ...props
}: FieldProps & ComponentProps<'textarea'>) {
  const inputId = id ?? name;
  return (
    <FieldShell label={label} id={inputId} error={error} hint={hint}>
      <textarea {...props} {...controlProps(inputId, name, error, hint)} className={cn(control, className)} />
    </FieldShell>
  );
}

export function SelectField({
  label,
  name,
  id,
  error,
  hint,
  className,
  children,
  ...props
}: FieldProps & ComponentProps<'select'>) {
  const inputId = id ?? name;
  return (
    <FieldShell label={label} id={inputId} error={error} hint={hint}>
      <select {...props} {...controlProps(inputId, name, error, hint)} className={cn(control, className)}>
        {children}
      </select>
    </FieldShell>
  );
}
