import type { ReactNode } from 'react';
import { Button } from './button';
import { confirmFirst } from './confirm-first';

/**
 * A one-button form for a server action: it posts `fields` as hidden inputs and, with `confirm`,
 * asks first (a cancelled question posts nothing). The button is disabled while `pending`.
 */
export function ButtonForm({
  action,
  fields,
  confirm,
  pending,
  variant = 'secondary',
  label,
  ariaLabel,
}: {
  action: (form: FormData) => void;
  fields: Record<string, string>;
  confirm?: string;
  pending: boolean;
  variant?: 'primary' | 'secondary' | 'danger' | 'ghost';
  label: ReactNode;
  ariaLabel?: string;
}) {
  return (
    <form action={action} onSubmit={confirm === undefined ? undefined : confirmFirst(confirm)}>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <Button type="submit" size="sm" variant={variant} disabled={pending} aria-label={ariaLabel}>
        {label}
      </Button>
    </form>
  );
}
