/**
 * The Lambda's HTTP client (entrypoints/node/BufferedHttpClient.ts) over real sockets to servers
 * on 127.0.0.1: what goes out, what comes back, and each way a request can fail. The Lambda's
 * end-to-end tests (test/e2e/lambda.test.ts) run it inside the bundle against the fakes.
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Duration, Effect, Exit, Option, Stream } from "effect"
import { readFileSync } from "node:fs"
import http from "node:http"
import https from "node:https"
import type { Socket } from "node:net"
import * as BufferedHttpClient from "../../entrypoints/node/BufferedHttpClient.ts"
import type { Listening } from "../support/http.ts"
import { headersOf, listen, readBody, testTls } from "../support/http.ts"

const agents = new Set<{ http: http.Agent; https: https.Agent }>()
const servers = new Set<Listening>()
afterEach(async () => {
  for (const a of agents) {
    a.http.destroy()
    a.https.destroy()
  }
  agents.clear()
  await Promise.all([...servers].map((s) => s.close()))
  servers.clear()
})

const clientWith = (httpsOptions: https.AgentOptions = {}) => {
  const a = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true, ...httpsOptions }) }
  agents.add(a)
  return BufferedHttpClient.make(a)
}

type Seen = { method: string; url: string; headers: Record<string, string | undefined>; body: string; socket: Socket }
/** A server that records each request and answers with `answer`; `seen` lists what came in. */
const server = async (answer: (req: http.IncomingMessage, res: http.ServerResponse) => void, options: { tls?: boolean } = {}) => {
  const seen: Array<Seen> = []
  const s = await listen((req, res) => {
    void readBody(req).then((body) => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: headersOf(req), body, socket: req.socket })
      answer(req, res)
    })
  }, options)
  servers.add(s)
  return { url: s.url, seen }
}

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

describe("BufferedHttpClient", () => {
  it("GET: sends the method, URL with its query and headers; gives the status, headers, cookies and body", async () => {
    const { url, seen } = await server((_req, res) => {
      res.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/"])
      res.writeHead(200, { "content-type": "application/json", etag: "\"abc\"" })
      res.end(JSON.stringify({ state: "success", n: 3 }))
    })
    const response = await Effect.runPromise(
      clientWith().execute(HttpClientRequest.get(`${url}/repos/acme/api/commits/main/status`, {
        urlParams: { per_page: "100" },
        headers: { authorization: "Bearer t0k", "x-github-api-version": "2022-11-28" }
      }))
    )
    expect(seen.map((r) => [r.method, r.url])).toEqual([["GET", "/repos/acme/api/commits/main/status?per_page=100"]])
    expect(seen[0]?.headers["authorization"]).toBe("Bearer t0k")
    expect(seen[0]?.headers["x-github-api-version"]).toBe("2022-11-28")
    expect(response.status).toBe(200)
    expect(response.headers["etag"]).toBe("\"abc\"")
    expect(Object.keys(response.cookies.cookies).sort()).toEqual(["a", "b"])
    expect(Option.getOrUndefined(response.remoteAddress)).toBe("127.0.0.1")
    expect(await Effect.runPromise(response.json)).toEqual({ state: "success", n: 3 })
    expect(await Effect.runPromise(response.text)).toBe("{\"state\":\"success\",\"n\":3}")
    expect(new TextDecoder().decode(await Effect.runPromise(response.arrayBuffer))).toBe("{\"state\":\"success\",\"n\":3}")
    const streamed = await Effect.runPromise(Stream.runCollect(response.stream))
    expect(Buffer.concat(Chunk.toArray(streamed)).toString("utf8")).toBe("{\"state\":\"success\",\"n\":3}")
  })

  it("POST with a JSON body: the server gets the exact bytes, with content-type and content-length", async () => {
    const { url, seen } = await server((_req, res) => {
      res.writeHead(202, { "content-type": "application/json" })
      res.end("{\"status\":\"ok\"}")
    })
    const checks = [{ check: "ci.ok", status: 0, tags: ["owner:acme", "repo:ä"], message: "ok ✓" }]
    const response = await Effect.runPromise(
      clientWith().execute(HttpClientRequest.post(`${url}/api/v1/check_run`).pipe(HttpClientRequest.bodyUnsafeJson(checks)))
    )
    expect(response.status).toBe(202)
    expect(seen[0]?.method).toBe("POST")
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual(checks)
    expect(seen[0]?.headers["content-type"]).toBe("application/json")
    expect(seen[0]?.headers["content-length"]).toBe(String(Buffer.byteLength(JSON.stringify(checks))))
  })

  it("an error status is an answer, not a failure: 404 with its body readable", async () => {
    const { url } = await server((_req, res) => {
      res.writeHead(404, { "content-type": "application/json" })
      res.end("{\"message\":\"Not Found\"}")
    })
    const response = await Effect.runPromise(clientWith().execute(HttpClientRequest.get(`${url}/repos/acme/gone`)))
    expect(response.status).toBe(404)
    expect(await Effect.runPromise(response.json)).toEqual({ message: "Not Found" })
  })

  it("follows no redirect: a 301 comes back as it is, with its Location, and nothing else is asked", async () => {
    const { url, seen } = await server((_req, res) => {
      res.writeHead(301, { location: "https://elsewhere.example/repositories/1" })
      res.end()
    })
    const response = await Effect.runPromise(clientWith().execute(HttpClientRequest.get(`${url}/repos/acme/old`)))
    expect(response.status).toBe(301)
    expect(response.headers["location"]).toBe("https://elsewhere.example/repositories/1")
    expect(seen).toHaveLength(1)
  })

  it("a body in many chunks, multi-byte characters split across them, arrives whole", async () => {
    const text = "ü€😀 ".repeat(50_000)
    const bytes = Buffer.from(text, "utf8")
    const { url } = await server((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": String(bytes.length) })
      // Odd-sized pieces, so characters are cut between chunks.
      let at = 0
      const next = () => {
        if (at >= bytes.length) return
        const piece = bytes.subarray(at, at + 7_777)
        at += piece.length
        res.write(piece, next)
      }
      next()
    })
    const response = await Effect.runPromise(clientWith().execute(HttpClientRequest.get(`${url}/big`)))
    const got = await Effect.runPromise(response.text)
    expect(got.length).toBe(text.length)
    expect(got === text).toBe(true)
  })

  it("a body that is not JSON: json fails with a ResponseError (Decode), text still reads it", async () => {
    const { url } = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      res.end("<html>oops</html>")
    })
    const response = await Effect.runPromise(clientWith().execute(HttpClientRequest.get(`${url}/x`)))
    const error = failureOf(await Effect.runPromiseExit(response.json))
    expect(error._tag).toBe("ResponseError")
    expect(error.reason).toBe("Decode")
    expect(await Effect.runPromise(response.text)).toBe("<html>oops</html>")
  })

  it("a connection cut in the middle of the body: the status comes back, reading the body fails (Decode)", async () => {
    const { url } = await server((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" })
      res.write("{\"check_runs\":[", () => req.socket.destroy())
    })
    const response = await Effect.runPromise(clientWith().execute(HttpClientRequest.get(`${url}/cut`)))
    expect(response.status).toBe(200)
    for (const read of [response.text, response.json, response.arrayBuffer]) {
      const error = failureOf(await Effect.runPromiseExit(read))
      expect(error._tag).toBe("ResponseError")
      expect(error.reason).toBe("Decode")
    }
  })

  it("nothing listening: a RequestError (Transport) carrying ECONNREFUSED", async () => {
    const s = await listen((_req, res) => res.end())
    await s.close()
    const error = failureOf(await Effect.runPromiseExit(clientWith().execute(HttpClientRequest.get(`${s.url}/x`))))
    expect(error._tag).toBe("RequestError")
    expect(error.reason).toBe("Transport")
    expect((error.cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED")
  })

  it("an invalid URL: a RequestError (InvalidUrl), nothing sent", async () => {
    const error = failureOf(await Effect.runPromiseExit(clientWith().execute(HttpClientRequest.get("not a url"))))
    expect(error._tag).toBe("RequestError")
    expect(error.reason).toBe("InvalidUrl")
  })

  it("a streamed body: a RequestError (Encode) saying this client sends none, nothing sent", async () => {
    const { url, seen } = await server((_req, res) => res.end())
    const request = HttpClientRequest.post(`${url}/x`).pipe(HttpClientRequest.bodyStream(Stream.make(new Uint8Array([1, 2]))))
    const error = failureOf(await Effect.runPromiseExit(clientWith().execute(request)))
    expect(error._tag).toBe("RequestError")
    expect(error.reason).toBe("Encode")
    expect(error.message).toMatch(/Stream body cannot be sent by this client/)
    expect(seen).toHaveLength(0)
  })

  it("a header Node refuses (a line break in its value): a RequestError (Encode) naming the header, not its value; nothing sent", async () => {
    const { url, seen } = await server((_req, res) => res.end())
    const request = HttpClientRequest.get(`${url}/x`, { headers: { authorization: "Bearer ghp_secret\nx-injected: 1" } })
    const error = failureOf(await Effect.runPromiseExit(clientWith().execute(request)))
    expect(error._tag).toBe("RequestError")
    expect(error.reason).toBe("Encode")
    expect(String((error.cause as Error).message)).toMatch(/authorization/)
    expect(String((error.cause as Error).message)).not.toContain("ghp_secret")
    expect(seen).toHaveLength(0)
  })

  it("interrupted (a timeout) while the server has not answered: the socket is closed at once", async () => {
    let closedAt: number | undefined
    const { url } = await server((req) => {
      req.socket.on("close", () => (closedAt = Date.now()))
    })
    const started = Date.now()
    const exit = await Effect.runPromiseExit(
      clientWith().execute(HttpClientRequest.get(`${url}/hang`)).pipe(Effect.timeout(Duration.millis(300)))
    )
    expect(failureOf(exit)._tag).toBe("TimeoutException")
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(closedAt).toBeDefined()
    expect((closedAt ?? Infinity) - started).toBeLessThan(1_000)
  })

  it("keeps connections alive: three requests one after the other use one socket", async () => {
    const { url, seen } = await server((_req, res) => res.end("ok"))
    const client = clientWith()
    for (let i = 0; i < 3; i++) {
      const response = await Effect.runPromise(client.execute(HttpClientRequest.get(`${url}/n/${i}`)))
      expect(await Effect.runPromise(response.text)).toBe("ok")
    }
    expect(seen).toHaveLength(3)
    expect(new Set(seen.map((r) => r.socket)).size).toBe(1)
  })

  it("https: a trusted certificate answers; one not trusted fails with a RequestError (Transport) naming it, nothing asked", async () => {
    const { url, seen } = await server((_req, res) => res.end("secure"), { tls: true })
    const trusted = clientWith({ ca: readFileSync(testTls.caFile) })
    const response = await Effect.runPromise(trusted.execute(HttpClientRequest.get(`${url}/s`)))
    expect(await Effect.runPromise(response.text)).toBe("secure")
    expect(seen).toHaveLength(1)

    const error = failureOf(await Effect.runPromiseExit(clientWith().execute(HttpClientRequest.get(`${url}/s`))))
    expect(error._tag).toBe("RequestError")
    expect(error.reason).toBe("Transport")
    expect(String((error.cause as Error).message)).toMatch(/certificate/)
    expect(seen).toHaveLength(1)
  })
})
