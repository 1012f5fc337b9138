/**
 * Last-chance cleanup when the process exits without `dispose` (an uncaught error,
 * `process.exit` elsewhere). Only synchronous work runs in an `exit` handler. One listener
 * serves every registration, so many transports add one listener, not many.
 */
const cleanups = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // The process is going away: one failed cleanup must not stop the others.
    }
  }
}

/** Runs `cleanup` when the process exits; call the returned function to cancel that. */
export function onProcessExit(cleanup: () => void): () => void {
  if (!installed) {
    process.on("exit", runAll);
    installed = true;
  }
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}
