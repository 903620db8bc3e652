import { constants } from 'node:os';
import type { Client } from 'tributary-queue';

// Why: deploys stop a process with SIGTERM (Kubernetes, systemd, docker stop) and people with
// Ctrl-C (SIGINT). Exiting at once would cut running jobs in half and leave them `running` in
// river_job. Instead `client.stop()` stops fetching, lets running jobs finish and stores their
// outcomes; only then are the pool and the database closed. A second signal means "now":
// `stopAndCancel()` aborts the running jobs' signals, and they are stored as failed attempts, to
// be retried. This is the pattern to copy into a worker process.

export interface ShutdownOptions {
  /** The client to stop, or undefined while it does not exist yet. */
  client: () => Client | undefined;
  /** Closes what the client used (the pool, the database), after the client stopped. */
  close: () => Promise<void>;
  /**
   * The stop's timeout, in ms: running jobs are cancelled near it, and at it what is left (a
   * database that went away, a worker ignoring its signal) is left to the rescuer. Keep it below
   * your orchestrator's grace period (Kubernetes: 30 s).
   */
  deadlineMs?: number;
}

export interface Shutdown {
  /** Stops the client, closes, exits. Every caller shares one stop; the first code wins. */
  exit(code: number): Promise<never>;
  /** Whether stopping has begun, by a signal or by `exit()`. */
  readonly begun: boolean;
}

/** A signal repeated within this many ms is taken as a duplicate delivery, not a second request. */
const REPEAT_WINDOW_MS = 1000;

export function handleShutdown({ client, close, deadlineMs = 10_000 }: ShutdownOptions): Shutdown {
  let stopping: Promise<void> | undefined;
  let exitCode = 0;
  let signals = 0;

  async function exit(code: number): Promise<never> {
    stopping ??= (async () => {
      exitCode = code;
      // The client's own deadline: jobs still running near it are cancelled, and what is left at
      // it goes to the rescuer. The timer is the last resort, should closing hang too.
      setTimeout(() => {
        console.error(`still stopping after ${deadlineMs + 2000} ms; exiting anyway`);
        process.exit(exitCode);
      }, deadlineMs + 2000).unref();
      await client()?.stop({ timeout: deadlineMs }).catch((error) => console.error('client.stop() failed:', error));
      await close().catch((error) => console.error('closing failed:', error));
    })();
    await stopping;
    if (signals > 0) console.log('stopped: the outcomes of running jobs are stored, the database is closed');
    process.exit(exitCode);
  }

  let firstSignalAt = 0;
  function onSignal(signal: NodeJS.Signals): void {
    // One Ctrl-C or `timeout`/`kill -- -pgid` reaches the whole process group, and runners such as
    // npm and tsx may forward it once more: a repeat within a second is the same request.
    if (signals > 0 && Date.now() - firstSignalAt < REPEAT_WINDOW_MS) return;
    signals++;
    if (signals === 1) {
      firstSignalAt = Date.now();
      console.log(`\n${signal}: finishing running jobs, then stopping (send it again to cancel them)`);
      void exit(128 + constants.signals[signal]);
    } else if (signals === 2) {
      console.log(`\n${signal} again: cancelling running jobs`);
      void client()?.stopAndCancel().catch((error) => console.error('client.stopAndCancel() failed:', error));
    } else {
      process.exit(exitCode); // a third: leave now
    }
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  return {
    exit,
    get begun() {
      return stopping !== undefined;
    },
  };
}
