/**
 * Prints the checks instead of sending them: a table for a person, or one JSON object per line
 * (exactly Datadog's payload) for a script.
 */
import { Console, Effect, Layer } from "effect"
import type { ServiceCheck } from "./Sink.ts"
import { checkTarget, Sink } from "./Sink.ts"

export type OutputFormat = "table" | "json"

const statusLabel = ["OK", "WARNING", "CRITICAL", "UNKNOWN"] as const

/** Columns padded to their widest cell, two spaces apart; the last is left whole (links stay clickable). */
export const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0))) ?? []
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join("  ")).join("\n")
}

/** The checks as a table for a person. */
export const formatTable = (checks: ReadonlyArray<ServiceCheck>): string =>
  table([
    ["STATUS", "TARGET", "MESSAGE"],
    ...checks.map((c) => [`${statusLabel[c.status]} (${c.status})`, checkTarget(c) ?? `(${c.check})`, c.message])
  ])

export const formatJsonLines = (checks: ReadonlyArray<ServiceCheck>): string =>
  checks.map((c) => JSON.stringify(c)).join("\n")

export const stdoutSink = (format: OutputFormat) =>
  Sink.of({
    deliver: (checks) =>
      Console.log(format === "json" ? formatJsonLines(checks) : formatTable(checks)).pipe(
        Effect.as({ destination: "stdout", delivered: checks.length, failures: [] })
      )
  })

export const StdoutSink = (format: OutputFormat) => Layer.succeed(Sink, stdoutSink(format))
