import type { FormEvent } from 'react';

/** A form's submit handler that asks first: a cancelled question submits nothing. */
export function confirmFirst(message: string) {
  return (event: FormEvent<HTMLFormElement>) => {
    if (!window.confirm(message)) event.preventDefault();
  };
}
