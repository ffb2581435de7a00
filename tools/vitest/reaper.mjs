// A test run that is killed (SIGKILL, a closed terminal, a timeout's kill -9) never runs its
// teardown, and the throwaway servers it started (PostgreSQL, nats-server) would keep running.
// `reapWhenGone` leaves a detached shell behind that waits for this process to end, however it
// ends, and then runs a cleanup command.
import { spawn } from "node:child_process"

/** `value` as one shell word. */
export const shellQuote = (value) => `'${String(value).replaceAll("'", `'\\''`)}'`

/**
 * Runs the shell command `cleanup` once this process has exited. Make it a no-op when the
 * normal teardown already ran (e.g. guard it on a directory the teardown removes), since it
 * also runs after a clean exit.
 */
export const reapWhenGone = (cleanup) => {
  const watcher = spawn("sh", ["-c", `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${cleanup}`], {
    detached: true,
    stdio: "ignore"
  })
  watcher.unref()
}
