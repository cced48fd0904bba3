/**
 * Prints the checks instead of sending them: a table for a person, or one JSON object per line
 * (exactly Datadog's payload) for a script.
 */
import { Console, Effect, Layer } from "effect"
import type { ServiceCheck } from "./Sink.ts"
import { Sink, tagValue } from "./Sink.ts"

export type OutputFormat = "table" | "json"

const statusLabel = ["OK", "WARNING", "CRITICAL", "UNKNOWN"] as const

const targetOf = (c: ServiceCheck): string => {
  const owner = tagValue(c, "owner")
  const repo = tagValue(c, "repo")
  return owner && repo ? `${owner}/${repo}@${tagValue(c, "ref") ?? ""}` : `(${c.check})`
}

/** A plain-text table; the message column is left whole so links stay clickable. */
export const formatTable = (checks: ReadonlyArray<ServiceCheck>): string => {
  const rows = checks.map((c) => [`${statusLabel[c.status]} (${c.status})`, targetOf(c), c.message] as const)
  const header = ["STATUS", "TARGET", "MESSAGE"] as const
  const w0 = Math.max(header[0].length, ...rows.map((r) => r[0].length))
  const w1 = Math.max(header[1].length, ...rows.map((r) => r[1].length))
  return [header, ...rows].map((r) => `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`).join("\n")
}

export const formatJsonLines = (checks: ReadonlyArray<ServiceCheck>): string =>
  checks.map((c) => JSON.stringify(c)).join("\n")

export const StdoutSink = (format: OutputFormat) =>
  Layer.succeed(
    Sink,
    Sink.of({
      deliver: (checks) =>
        Console.log(format === "json" ? formatJsonLines(checks) : formatTable(checks)).pipe(
          Effect.as({ destination: "stdout", delivered: checks.length, failures: [] })
        )
    })
  )
