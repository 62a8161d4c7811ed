/**
 * `work`, or `late()` once `ms` have passed. For loads that take no timeout of their own and report
 * no progress to watch (a module `import()`): a small file that has not come in that time is taken
 * as a server gone silent. The work itself goes on; its late result is dropped.
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
