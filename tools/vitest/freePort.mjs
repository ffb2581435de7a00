// A TCP port on 127.0.0.1 that nothing listens on, one the system just gave out and took back:
// for the servers tests start on a free port, and for tests of "nothing answers there".
import { createServer } from "node:net"

/** A free port on 127.0.0.1. */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
