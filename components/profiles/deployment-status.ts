import type { DeploymentRecord } from '@/lib/profiles/service';

/** The status a person reads: an applied deployment whose profile changed since is "outdated". */
export function deploymentStatus(d: Pick<DeploymentRecord, 'status' | 'current'> | undefined) {
  if (!d) return 'none' as const;
  if (d.status === 'applied') return d.current ? ('applied' as const) : ('outdated' as const);
  return d.status;
}
