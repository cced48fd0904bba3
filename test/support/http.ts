import { readFileSync } from "node:fs"
import http from "node:http"
import https from "node:https"
import type { AddressInfo } from "node:net"
import { gunzipSync, inflateSync } from "node:zlib"

export type Headers = Record<string, string | undefined>

/**
 * A canned answer served instead of the normal one. `status: 0` hangs: no answer until close().
 * Hostile ones: `body` computed from the request's headers (a server that echoes the
 * Authorization header back), or `streamBytes` of a JSON body streamed in chunks with no
 * `content-length` (a body larger than any client should hold).
 */
export type Fault = {
  status: number
  body?: string | object | ((request: Headers) => string | object)
  headers?: Record<string, string>
  times?: number
  streamBytes?: number
}

/** The fault's body for this request. */
export const faultBody = (fault: Fault, request: Headers): string | object | undefined =>
  typeof fault.body === "function" ? fault.body(request) : fault.body

/**
 * Streams `fault.streamBytes` bytes — `{"total_count":1,"check_runs":[{"name":"xxxx…` — in 64 KB
 * chunks (chunked encoding, no length), as fast as the client reads; stops when it hangs up.
 * Gives the bytes written when done.
 */
export const streamFault = (res: http.ServerResponse, fault: Fault): Promise<number> => {
  res.writeHead(fault.status, { "content-type": "application/json; charset=utf-8", ...fault.headers })
  const head = Buffer.from(`{"total_count":1,"check_runs":[{"name":"`)
  const filler = Buffer.alloc(64 * 1024, "x")
  const total = fault.streamBytes ?? 0
  let written = 0
  return new Promise((resolve) => {
    const pump = () => {
      while (written < total && !res.destroyed) {
        const chunk = written === 0 ? head : filler.subarray(0, Math.min(filler.length, total - written))
        written += chunk.length
        if (!res.write(chunk)) return void res.once("drain", pump)
      }
      if (!res.destroyed) res.end(`"}]}`)
      resolve(written)
    }
    res.once("close", () => resolve(written))
    pump()
  })
}

export interface Listening {
  url: string
  close(): Promise<void>
}

/**
 * The test servers' TLS certificate (self-signed, for 127.0.0.1 and localhost; see
 * test/fixtures/tls/README.md). A client trusts it with `NODE_EXTRA_CA_CERTS=<caFile>`.
 */
export const testTls = {
  caFile: new URL("../fixtures/tls/cert.pem", import.meta.url).pathname,
  options: () => ({
    cert: readFileSync(new URL("../fixtures/tls/cert.pem", import.meta.url)),
    key: readFileSync(new URL("../fixtures/tls/key.pem", import.meta.url))
  })
}

/**
 * Starts a server on 127.0.0.1 on a free port — over https with `tls` (the test certificate) —
 * and close() also drops hanging and keep-alive sockets.
 */
export const listen = async (
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  options: { readonly tls?: boolean } = {}
): Promise<Listening> => {
  const server = options.tls ? https.createServer(testTls.options(), handler) : http.createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  let closed: Promise<void> | undefined
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    // Idempotent, so a test may close early and its afterEach close again.
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }))
  }
}

/** Lower-cased request headers, repeated ones joined like fetch does. */
export const headersOf = (req: http.IncomingMessage): Headers =>
  Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : value]))

/** The request body as text, decoded when the client compressed it. */
export const readBody = async (req: http.IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const raw = Buffer.concat(chunks)
  const encoding = req.headers["content-encoding"]
  return (encoding === "gzip" ? gunzipSync(raw) : encoding === "deflate" ? inflateSync(raw) : raw).toString("utf8")
}

export const bodyText = (body: string | object | undefined): string =>
  body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body)

/** Sends a JSON (or raw string) body with the given headers. */
export const send = (res: http.ServerResponse, status: number, body: string | object | undefined, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers })
  res.end(bodyText(body))
}

/** Serves a fault; a `status: 0` fault leaves the request open until the server closes. */
export const sendFault = (res: http.ServerResponse, fault: Fault, headers: Record<string, string> = {}, request: Headers = {}): void => {
  if (fault.status === 0) return
  if (fault.streamBytes !== undefined) return void streamFault(res, fault)
  send(res, fault.status, faultBody(fault, request), { ...headers, ...fault.headers })
}

/**
 * Takes one use of the first fault found under `keys` (in that order); used-up faults are removed.
 * `times` counts the uses left, forever when absent.
 */
export const takeFault = <K>(faults: Map<K, Fault>, keys: Iterable<K>): Fault | undefined => {
  for (const key of keys) {
    const fault = faults.get(key)
    if (fault === undefined) continue
    if (fault.times !== undefined && --fault.times <= 0) faults.delete(key)
    if (fault.times === undefined || fault.times >= 0) return fault
  }
  return undefined
}
