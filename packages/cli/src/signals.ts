/**
 * One AbortController for the whole command: Ctrl-C, SIGTERM and --duration all abort it, and
 * everything downstream stops through its signal (sink drained and closed, sockets closed).
 * A second Ctrl-C while stopping exits at once.
 */
export function stopSignal(durationSec?: number): AbortSignal {
  const controller = new AbortController();
  let stopping = false;
  const onSignal = () => {
    if (stopping) process.exit(130);
    stopping = true;
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (durationSec !== undefined) setTimeout(() => controller.abort(), durationSec * 1000).unref();
  return controller.signal;
}
