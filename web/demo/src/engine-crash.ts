// An engine crash (the package's EngineCrashedError, recognised by its class) ends that engine for
// good: its worker is already stopped. Each step words its errors through stepErrorMessage(); a
// crash also asks the page (main.ts) to start a fresh engine with the same data, once per crash,
// after the step that met it has finished.
import { EngineCrashedError } from 'tripletrec';
import { errorMessage } from './dom';

type Restart = (crash: EngineCrashedError) => Promise<void>;

let restart: Restart | null = null;
let restarting = false;

/** The page's way to recover from a crash (a fresh engine, the same data). */
export function onEngineCrash(recover: Restart): void {
  restart = recover;
}

export function isEngineCrash(error: unknown): error is EngineCrashedError {
  return error instanceof EngineCrashedError;
}

/** What a step shows for a failed engine call; a crash also starts the recovery (once). */
export function stepErrorMessage(error: unknown): string {
  if (!isEngineCrash(error)) return errorMessage(error);
  if (restart !== null && !restarting) {
    restarting = true;
    const recover = restart;
    // Later: the failing step's own clean-up (e.g. leaving the busy state) runs first.
    setTimeout(() => void recover(error).finally(() => { restarting = false; }), 0);
  }
  return `the engine crashed, so the page is starting a fresh one with the same data (${error.message})`;
}
