import { getEnv } from '../env';
import { createSecretBox, type SecretBox } from './secret-box';

let box: SecretBox | undefined;

/** The secret box keyed from KNOCKGATE_SECRET. */
export function secretBox(): SecretBox {
  box ??= createSecretBox(getEnv().KNOCKGATE_SECRET);
  return box;
}
