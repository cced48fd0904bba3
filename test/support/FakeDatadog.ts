import type http from "node:http"
import { headersOf, listen, readBody, send, sendFault, takeFault } from "./http.ts"
import type { Fault, Headers } from "./http.ts"

export type { Fault } from "./http.ts"

export interface FakeDatadogOptions {
  apiKey?: string
  /** Served in order to POSTs before the normal behaviour; each `times` times (default once). `status: 0` hangs. */
  faults?: Fault[]
  /** Serve over https with the test certificate (test/support/http.ts `testTls`). */
  tls?: boolean
}
export type ServiceCheck = { check: string; host_name: string; status: number; tags: string[]; message?: string; timestamp?: number }
export interface FakeDatadog {
  url: string
  /** Every check accepted, in order. */
  checks: ServiceCheck[]
  requests: Array<{ method: string; url: string; headers: Headers; body: string }>
  setFaults(faults: FakeDatadogOptions["faults"]): void
  close(): Promise<void>
}

/** A check as Datadog's v1 intake validates it, or the reason it is rejected. */
const parseCheck = (value: unknown): ServiceCheck | string => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "check run must be an object"
  const c = value as Record<string, unknown>
  if (typeof c["check"] !== "string" || c["check"] === "") return "Missing or invalid field: check"
  if (typeof c["host_name"] !== "string") return "Missing or invalid field: host_name"
  if (typeof c["status"] !== "number" || ![0, 1, 2, 3].includes(c["status"])) return "Missing or invalid field: status (0, 1, 2 or 3)"
  const tags = c["tags"] ?? []
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === "string")) return "Invalid field: tags must be an array of strings"
  if (c["message"] !== undefined && typeof c["message"] !== "string") return "Invalid field: message"
  if (c["timestamp"] !== undefined && typeof c["timestamp"] !== "number") return "Invalid field: timestamp"
  return {
    check: c["check"],
    host_name: c["host_name"],
    status: c["status"],
    tags,
    ...(c["message"] === undefined ? {} : { message: c["message"] }),
    ...(c["timestamp"] === undefined ? {} : { timestamp: c["timestamp"] })
  }
}

const parseChecks = (body: string): ServiceCheck[] | string => {
  let payload: unknown
  try {
    payload = JSON.parse(body)
  } catch {
    return "Payload is not in the expected format: invalid JSON"
  }
  const checks = (Array.isArray(payload) ? payload : [payload]).map(parseCheck)
  return checks.find((c) => typeof c === "string") ?? (checks as ServiceCheck[])
}

export const startFakeDatadog = async (options: FakeDatadogOptions = {}): Promise<FakeDatadog> => {
  let faults = new Map<number, Fault>()
  const setFaults = (list: FakeDatadogOptions["faults"]) => {
    faults = new Map((list ?? []).map((fault, i) => [i, { times: 1, ...fault }]))
  }
  setFaults(options.faults)
  const checks: ServiceCheck[] = []
  const requests: FakeDatadog["requests"] = []

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = await readBody(req)
    const headers = headersOf(req)
    const method = req.method ?? "GET"
    requests.push({ method, url: req.url ?? "/", headers, body })
    const path = new URL(req.url ?? "/", "http://x").pathname
    const fault = method === "POST" ? takeFault(faults, [...faults.keys()]) : undefined
    if (fault) return sendFault(res, fault)

    const endpoint = `${method} ${path}`
    if (endpoint !== "POST /api/v1/check_run" && endpoint !== "GET /api/v1/validate") return send(res, 404, { errors: ["Not Found"] })
    // The key is only ever read from the header: a key in the URL (`?api_key=`) is rejected here on purpose.
    if (options.apiKey !== undefined && headers["dd-api-key"] !== options.apiKey) return send(res, 403, { errors: ["Forbidden"] })
    if (endpoint === "GET /api/v1/validate") return send(res, 200, { valid: true })

    const parsed = parseChecks(body)
    if (typeof parsed === "string") return send(res, 400, { errors: [parsed] })
    checks.push(...parsed)
    send(res, 202, { status: "ok" })
  }

  const server = await listen((req, res) => void handle(req, res).catch(() => res.destroy()), { tls: options.tls ?? false })
  return { url: server.url, checks, requests, setFaults, close: server.close }
}
