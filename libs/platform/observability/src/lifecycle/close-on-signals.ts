import type { INestApplicationContext } from '@nestjs/common';

/**
 * SIGTERM/SIGINT close the app (HTTP stops accepting, workers drain, pools close) and exit 0, so
 * orchestrators see a clean stop. A second signal, or the timeout, forces the exit.
 */
export function closeOnSignals(app: INestApplicationContext, timeoutMs: number, log: (msg: string) => void): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    log(`${signal} received: shutting down`);
    const force = setTimeout(() => {
      log('shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs + 5_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
