/** The badge colour of each request status (the approver's queue and the requester's list). */
export const requestStatusTone = {
  pending: 'amber',
  approved: 'green',
  denied: 'red',
  expired: 'neutral',
  cancelled: 'neutral',
} as const;
