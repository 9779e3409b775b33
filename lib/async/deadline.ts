/**
 * What `work` gives, or null when it has not settled within `ms`: a router read (or a knock) that
 * takes longer must not hold up a page or a sign-in. A later failure of `work` is left to the
 * caller's own handlers; here it is only kept from being reported as unhandled.
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => {});
  try {
    return await Promise.race([
      work,
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
