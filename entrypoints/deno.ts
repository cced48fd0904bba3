/**
 * Deno and Deno Deploy: `Deno.cron` runs the cycle on a schedule (UTC) from `SCHEDULE`,
 * default every 5 minutes. Configuration from `CONFIG` (the YAML) or `CONFIG_FILE`; secrets
 * from `GITHUB_TOKEN` and `DD_API_KEY`. Run locally: `deno run -A entrypoints/deno.ts`.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Cron, Effect, Either } from "effect"
import { scheduledCycle } from "../src/runtime/Scheduled.ts"

declare const Deno: {
  readonly env: { get(name: string): string | undefined }
  cron(name: string, schedule: string, handler: () => Promise<void>): Promise<void>
}

const schedule = Deno.env.get("SCHEDULE") || "*/5 * * * *"
if (Either.isLeft(Cron.parse(schedule, "UTC"))) {
  throw new Error(`SCHEDULE: ${JSON.stringify(schedule)} is not a cron expression (e.g. "*/5 * * * *")`)
}

// Registered at the top level, as Deno Deploy requires. A rejected promise marks the run failed.
Deno.cron("github-ci-monitor", schedule, () =>
  Effect.runPromise(
    scheduledCycle({ configPath: Deno.env.get("CONFIG_FILE") || undefined }).pipe(
      Effect.tapError((e) => Effect.logError(e.message)),
      Effect.asVoid,
      Effect.provide(NodeContext.layer)
    )
  ))
