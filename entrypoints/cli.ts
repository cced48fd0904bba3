/**
 * The CLI on Node.js (and Deno, whose Node compatibility runs the same layers). Picks the
 * platform's layers and turns the command's exit code into the process's.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit } from "effect"
import { main } from "../src/cli/Main.ts"

NodeRuntime.runMain(main(process.argv).pipe(Effect.provide(NodeContext.layer)), {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  // A signal (SIGTERM, Ctrl-C) after the cycle in flight finished is a clean stop: exit 0.
  teardown: (exit, onExit) =>
    onExit(
      Exit.isSuccess(exit)
        ? (typeof exit.value === "number" ? exit.value : 0)
        : Cause.isInterruptedOnly(exit.cause) ? 0 : 1
    )
})
