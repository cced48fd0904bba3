/**
 * The Lambda's HTTP client (entrypoints/lambda.ts): `HttpClient` over node:http and node:https
 * that reads each answer whole before handing it over. It lives beside the entrypoints, not in
 * src/, because it is Node's own: src/ never knows which runtime it is on.
 *
 * Why not @effect/platform-node's NodeHttpClient: per request, that client forks a fiber to send
 * the body beside one waiting for the answer, and `HttpClient.make` adds a span, an
 * AbortController and a finalization registry for answers nobody reads. A cold start pays for
 * all of it, ≈ 12 ms in `npm run bench`'s paired comparison (6 % of the baseline). The tool
 * needs none of it: every answer it asks for is small and read in full (a GitHub page, a Datadog
 * acknowledgement), it installs no tracer, and node:http follows no redirect.
 *
 * What a caller sees:
 * - `execute` succeeds once the whole answer has arrived, whatever its status; a request that
 *   could not be sent (refused, reset, a certificate not trusted) fails with a `RequestError`
 *   ("Transport") carrying Node's error.
 * - An answer whose connection broke before its end still succeeds, with its status and headers;
 *   reading its body (`text`, `json`, …) then fails with a `ResponseError` ("Decode"), as with
 *   the platform's clients.
 * - Interrupting the request (a timeout, a deadline) destroys its socket at once.
 * - Bodies: empty, bytes (`bodyUnsafeJson`, `bodyText`, …) and raw strings or bytes. A streamed
 *   or form-data body fails with a `RequestError` ("Encode") saying so: nothing here sends one.
 *   So does a header Node refuses (a value with a line break), instead of throwing.
 * - An answer larger than the `maxResponseBytes` in effect is not held: reading its body fails
 *   with a `ResponseError` whose cause is `ResponseTooLarge`.
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import { Effect, FiberRef, Inspectable, Option, Stream } from "effect"
import { maxResponseBytes, ResponseTooLarge } from "../../src/http/Policy.ts"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import * as Https from "node:https"

/** The agents (connection pools) requests go through, one per protocol. */
export interface Agents {
  readonly http: Http.Agent
  readonly https: Https.Agent
}

class BufferedResponse implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly status: number
  readonly headers: Headers.Headers
  readonly remoteAddress: Option.Option<string>
  readonly request: HttpClientRequest.HttpClientRequest
  private readonly source: Http.IncomingMessage
  private readonly body: Buffer
  /** Why the answer stopped before its end, if it did. */
  private readonly broken: unknown

  constructor(
    request: HttpClientRequest.HttpClientRequest,
    source: Http.IncomingMessage,
    remoteAddress: string | undefined,
    body: Buffer,
    broken: unknown
  ) {
    this.request = request
    this.source = source
    this.body = body
    this.broken = broken
    this.status = source.statusCode ?? 0
    this.headers = Headers.fromInput(source.headers)
    this.remoteAddress = Option.fromNullable(remoteAddress)
  }

  private read<A>(f: (body: Buffer) => A): Effect.Effect<A, HttpClientError.ResponseError> {
    return Effect.suspend(() => {
      if (this.broken !== undefined) return Effect.fail(this.decodeError(this.broken))
      return Effect.try({ try: () => f(this.body), catch: (cause) => this.decodeError(cause) })
    })
  }

  private decodeError(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  get text() {
    return this.read((body) => body.toString("utf8"))
  }

  get json() {
    return this.read((body) => JSON.parse(body.toString("utf8")) as unknown)
  }

  get arrayBuffer() {
    return this.read((body) => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer)
  }

  get urlParamsBody() {
    return this.read((body) => UrlParams.fromInput(new URLSearchParams(body.toString("utf8"))))
  }

  get stream() {
    return Stream.fromEffect(this.read((body) => new Uint8Array(body)))
  }

  get formData() {
    return Effect.flatMap(this.arrayBuffer, (bytes) =>
      Effect.tryPromise({
        try: () => new Response(bytes, { headers: this.headers }).formData(),
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get cookies() {
    const header = this.source.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(header)
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }

  toString(): string {
    return Inspectable.format(this)
  }

  [Inspectable.NodeInspectSymbol](): unknown {
    return this.toJSON()
  }
}

const send = (agents: Agents, maxBytes: number) => (request: HttpClientRequest.HttpClientRequest) =>
  Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
    const requestError = (reason: "InvalidUrl" | "Encode" | "Transport", cause: unknown, description?: string) =>
      Effect.fail(new HttpClientError.RequestError({ request, reason, cause, ...(description ? { description } : {}) }))
    const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
    if (url._tag === "Left") return resume(requestError("InvalidUrl", url.left))
    const body = request.body
    if (body._tag === "FormData" || body._tag === "Stream") {
      return resume(requestError("Encode", undefined, `a ${body._tag} body cannot be sent by this client (entrypoints/node/BufferedHttpClient.ts)`))
    }
    if (body._tag === "Raw" && !(typeof body.body === "string" || body.body instanceof Uint8Array)) {
      return resume(requestError("Encode", undefined, "a Raw body must be a string or bytes for this client"))
    }

    let settled = false
    const settle = (result: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>) => {
      if (settled) return
      settled = true
      resume(result)
    }
    const options = { method: request.method, headers: request.headers }
    let nodeRequest: Http.ClientRequest
    try {
      nodeRequest = url.right.protocol === "https:"
        ? Https.request(url.right, { ...options, agent: agents.https })
        : Http.request(url.right, { ...options, agent: agents.http })
    } catch (cause) {
      // Node checks the method and headers at once: a header value with a line break, say. Its
      // message names the header, never the value.
      return resume(requestError("Encode", cause))
    }
    // Stays attached: an error after the answer (the socket destroyed on interruption) is no crash.
    nodeRequest.on("error", (cause) => settle(requestError("Transport", cause)))
    nodeRequest.on("response", (incoming) => {
      const chunks: Array<Buffer> = []
      // Read now: once the answer has ended, a kept-alive socket goes back to the agent.
      const remoteAddress = incoming.socket.remoteAddress
      const answer = (broken: unknown) =>
        settle(Effect.succeed(new BufferedResponse(request, incoming, remoteAddress, Buffer.concat(chunks), broken)))
      let total = 0
      incoming.on("data", (chunk: Buffer) => {
        total += chunk.length
        // Past the limit in effect (maxResponseBytes) the answer is dropped, not held: reading
        // its body fails with ResponseTooLarge, and the socket is closed.
        if (total > maxBytes) {
          chunks.length = 0
          answer(new ResponseTooLarge({ limit: maxBytes }))
          incoming.destroy()
          return
        }
        chunks.push(chunk)
      })
      incoming.on("end", () => answer(undefined))
      incoming.on("error", (cause) => answer(cause))
      incoming.on("close", () => {
        if (!incoming.complete) answer(new Error("the connection closed before the answer ended"))
      })
    })
    nodeRequest.end(body._tag === "Empty" ? undefined : body.body as string | Uint8Array)
    return Effect.sync(() => {
      settled = true
      nodeRequest.destroy()
    })
  })

/** An `HttpClient` whose requests go through `agents`. */
export const make = (agents: Agents): HttpClient.HttpClient =>
  HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (request) => Effect.flatMap(request, (r) => Effect.flatMap(FiberRef.get(maxResponseBytes), (max) => send(agents, max)(r))),
    Effect.succeed
  )

/** An `HttpClient` over agents of its own, made with `options` and destroyed with the scope. */
export const scoped = (options: Http.AgentOptions): Effect.Effect<HttpClient.HttpClient, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => ({ http: new Http.Agent(options), https: new Https.Agent(options) })),
    (agents) =>
      Effect.sync(() => {
        agents.http.destroy()
        agents.https.destroy()
      })
  ).pipe(Effect.map(make))
