/**
 * A nats-server with JetStream for the tests: `CIM_NIX_TEST_NATS_URL` when set, otherwise one
 * started on a free port with a temporary store directory, stopped (by its pid) and removed by
 * `stop`, or once this process has gone if it is killed before. Each test gets its own JetStream stream and subject prefix on it (`freshStore`).
 */
import { jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { Effect, Layer } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { EventStore } from "@cim-nix/application"
import { freePort } from "../../../../tools/vitest/freePort.mjs"
import { reapWhenGone, shellQuote } from "../../../../tools/vitest/reaper.mjs"
import { NatsEventStore } from "../../src/index.js"

/** A running server. */
export interface Server {
  readonly url: string
  readonly stop: () => Promise<void>
}

const waitUntilUp = async (url: string, proc: ChildProcess) => {
  const deadline = Date.now() + 15_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nats-server exited with ${proc.exitCode}`)
    try {
      const nc = await connect({ servers: url, timeout: 500 })
      await (await jetstreamManager(nc)).getAccountInfo()
      await nc.close()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/** Starts (or finds) the server. */
export const start = async (): Promise<Server> => {
  const given = process.env["CIM_NIX_TEST_NATS_URL"]
  if (given !== undefined && given !== "") return { url: given, stop: async () => {} }
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), "cim-nix-nats-"))
  const proc = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], { stdio: "ignore" })
  const url = `127.0.0.1:${port}`
  // Should this process be killed before `stop`, the server goes with it (`stop` removes `dir`).
  reapWhenGone(`if [ -d ${shellQuote(dir)} ]; then kill ${proc.pid}; rm -rf ${shellQuote(dir)}; fi`)
  await waitUntilUp(url, proc).catch((error: unknown) => {
    proc.kill()
    rmSync(dir, { recursive: true, force: true })
    throw error
  })
  return {
    url,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once("exit", r))
        process.kill(proc.pid!, "SIGTERM")
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

let streams = 0

/** A stream name and subject prefix no other test uses. */
export const freshNames = () => {
  const n = `${process.pid}_${streams++}`
  return { stream: `TEST_${n}`, subjectPrefix: `test${n}.events` }
}

/** A store on a new stream of `server` (deleted with the layer), so every test starts empty. */
export const freshStore = (
  server: () => Server,
  config: Partial<NatsEventStore.Config> = {}
): Layer.Layer<EventStore.EventStore, EventStore.StoreUnavailable> =>
  Layer.unwrapScoped(Effect.gen(function* () {
    const names = { ...freshNames(), ...config }
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        const nc = await connect({ servers: server().url })
        await (await jetstreamManager(nc)).streams.delete(names.stream).catch(() => false)
        await nc.close()
      }))
    return NatsEventStore.layer({ servers: server().url, ...names })
  }))
