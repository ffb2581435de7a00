// Vitest global setup of the projects whose tests need PostgreSQL: with CIM_NIX_TEST_POSTGRES_URL
// set, checks that its server answers and fails at once with what to do when it does not;
// otherwise starts a throwaway server (initdb in a temporary directory, trust authentication,
// 127.0.0.1 on a free port, no Unix socket, fsync off), sets CIM_NIX_TEST_POSTGRES_URL for the
// test workers and removes the server when the tests end. As root the server runs as the
// `postgres` user (initdb and postgres refuse to run as root). Should the test run be killed
// before its teardown, the server is stopped and removed once the run's process has gone.
import { execFile } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { promisify } from "node:util"
import { freePort } from "./freePort.mjs"
import { reapWhenGone, shellQuote } from "./reaper.mjs"

const fix = "run `bash tools/setup.sh` (it installs Debian's postgresql), or set CIM_NIX_TEST_POSTGRES_URL to a server whose user may create databases"

/** The directory holding initdb and pg_ctl: on PATH, else the newest of Debian's /usr/lib/postgresql/<version>/bin. */
export const binDir = () => {
  const onPath = (process.env.PATH ?? "").split(delimiter).find((dir) => dir !== "" && existsSync(join(dir, "initdb")))
  if (onPath !== undefined) return onPath
  const versions = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").filter((v) => /^\d+$/.test(v)) : []
  const newest = versions.sort((a, b) => Number(b) - Number(a)).find((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`))
  if (newest === undefined) throw new Error(`PostgreSQL's initdb was not found (on PATH or in /usr/lib/postgresql/*/bin): ${fix}.`)
  return `/usr/lib/postgresql/${newest}/bin`
}

/** Whether something accepts TCP connections at the URL's host and port. */
export const answers = (url) =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url)
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, "") || "localhost", port: Number(port || 5432), timeout: 3000 })
    const done = (ok) => () => {
      socket.destroy()
      resolve(ok)
    }
    socket.once("connect", done(true)).once("error", done(false)).once("timeout", done(false))
  })

/** The command line of a PostgreSQL program, run as the `postgres` user when this process is root. */
const pgCommand = (bin, program, args) =>
  process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", join(bin, program), ...args]] : [join(bin, program), args]

/** Runs a PostgreSQL program. */
const pg = async (bin, program, args) => {
  const [command, argv] = pgCommand(bin, program, args)
  try {
    await promisify(execFile)(command, argv, { timeout: 60_000 })
  } catch (error) {
    throw new Error(`${program} failed (${fix}):\n${error.stdout ?? ""}${error.stderr ?? error.message}`)
  }
}

/** Starts a throwaway server; returns its URL, its directory and how to stop and remove it. */
export const startServer = async () => {
  const bin = binDir()
  const dir = mkdtempSync(join(tmpdir(), "cim-nix-postgres-"))
  if (process.getuid?.() === 0) {
    const ids = (await promisify(execFile)("id", ["postgres"]).catch(() => ({ stdout: "" }))).stdout
    const [uid, gid] = [/uid=(\d+)/.exec(ids)?.[1], /gid=(\d+)/.exec(ids)?.[1]]
    if (uid === undefined || gid === undefined) throw new Error(`running as root needs the postgres user to run initdb: ${fix}`)
    chownSync(dir, Number(uid), Number(gid))
  }
  const data = join(dir, "data")
  const port = await freePort()
  await pg(bin, "initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c max_connections=200`
  await pg(bin, "pg_ctl", ["-D", data, "-l", join(dir, "server.log"), "-o", options, "-w", "-t", "30", "start"])
  // Should this process be killed before `stop`, the server goes with it (`stop` removes `dir`).
  const [command, argv] = pgCommand(bin, "pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
  reapWhenGone(`if [ -d ${shellQuote(dir)} ]; then ${[command, ...argv].map(shellQuote).join(" ")} >/dev/null 2>&1; rm -rf ${shellQuote(dir)}; fi`)
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    stop: async () => {
      await pg(bin, "pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** The global setup: returns the teardown. */
export default async function setup() {
  const given = process.env.CIM_NIX_TEST_POSTGRES_URL
  if (given !== undefined && given !== "") {
    if (!(await answers(given))) throw new Error(`CIM_NIX_TEST_POSTGRES_URL: no PostgreSQL answers at ${new URL(given).host}: start it (pg_isready -h ${new URL(given).hostname}), or unset the variable to let the tests start their own server.`)
    return async () => {}
  }
  const server = await startServer()
  process.env.CIM_NIX_TEST_POSTGRES_URL = server.url
  return server.stop
}
