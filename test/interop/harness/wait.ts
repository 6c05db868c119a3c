/** Polls `ready` every 100 ms until it returns true or `timeoutMs` passes; returns whether it became ready. */
export async function waitFor(ready: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ready()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return ready();
}
