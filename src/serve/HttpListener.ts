/**
 * The runtime's HTTP server, chosen by the entrypoint: `serve` itself is runtime-neutral. On
 * Node (and Deno) the entrypoint gives `NodeHttpServer.layer(createServer, { host, port })`, on
 * Bun `BunHttpServer.layerServer({ hostname: host, port })`. Without one, `serve` says so.
 */
import type * as HttpServer from "@effect/platform/HttpServer"
import { ServeError } from "@effect/platform/HttpServerError"
import { Context, Layer } from "effect"

export interface ListenAddress {
  readonly host: string
  /** 0 picks a free port; the address actually bound is logged. */
  readonly port: number
}

export interface HttpListenerShape {
  readonly layer: (address: ListenAddress) => Layer.Layer<HttpServer.HttpServer, ServeError>
}

export class HttpListener extends Context.Reference<HttpListener>()("github-ci-monitor/serve/HttpListener", {
  defaultValue: (): HttpListenerShape => ({
    layer: () =>
      Layer.fail(
        new ServeError({
          cause: new Error("this entrypoint provides no HTTP server (HttpListener): run the CLI from entrypoints/cli.ts")
        })
      )
  })
}) {}
