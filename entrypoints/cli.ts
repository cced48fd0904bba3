/**
 * The CLI on Node.js, Bun and Deno (Deno's Node compatibility runs the same layers). Picks the
 * platform's layers — file system, terminal, `serve`'s HTTP server — and turns the command's
 * exit code into the process's.
 */
import * as BunHttpServer from "@effect/platform-bun/BunHttpServer"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit } from "effect"
import { createServer } from "node:http"
import { main } from "../src/cli/Main.ts"
import { HttpListener } from "../src/serve/HttpListener.ts"

// `serve`'s HTTP server: Bun's own on Bun; node:http on Node and Deno.
const listener = HttpListener.of({
  layer: "Bun" in globalThis
    ? ({ host, port }) => BunHttpServer.layerServer({ hostname: host, port })
    : ({ host, port }) => NodeHttpServer.layer(createServer, { host, port })
})

// Styled help only on a terminal, and never with NO_COLOR set (https://no-color.org).
const color = process.stdout.isTTY === true && !process.env["NO_COLOR"]

NodeRuntime.runMain(main(process.argv, { color }).pipe(Effect.provideService(HttpListener, listener), Effect.provide(NodeContext.layer)), {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  // A signal (SIGTERM, Ctrl-C) after the cycle in flight delivered is a clean stop: exit 0.
  // When that delivery failed, `main` fails with an ExitCode, which the interruption does not hide: exit 1.
  teardown: (exit, onExit) =>
    onExit(
      Exit.isSuccess(exit)
        ? (typeof exit.value === "number" ? exit.value : 0)
        : Cause.isInterruptedOnly(exit.cause) ? 0 : 1
    )
})
