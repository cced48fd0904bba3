/**
 * How often a long-running monitor repeats its cycle: a fixed interval (`5m`) or a cron
 * expression in UTC (`*\/5 * * * *`). Cycles never overlap: the next waits for the last.
 */
import { Cron, Duration, Either, Option, Schedule } from "effect"

export type Cadence =
  | { readonly _tag: "Interval"; readonly every: Duration.Duration }
  | { readonly _tag: "Cron"; readonly expression: string; readonly cron: Cron.Cron }

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `5m`, `30s`, `1h30m`, `90` (seconds), or anything Effect's Duration reads (`5 minutes`). */
export const parseDuration = (text: string): Option.Option<Duration.Duration> => {
  const t = text.trim()
  if (/^\d+(\.\d+)?$/.test(t)) return Option.some(Duration.seconds(Number(t)))
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g)]
  if (parts.length > 0 && parts.map((p) => p[0]).join("").replace(/\s+/g, "") === t.replace(/\s+/g, "")) {
    return Option.some(Duration.millis(parts.reduce((ms, p) => ms + Number(p[1]) * (units[p[2] ?? "s"] ?? 0), 0)))
  }
  return Option.liftThrowable(() => Duration.decode(t as Duration.DurationInput))().pipe(
    Option.filter((d) => Duration.isFinite(d) && Duration.toMillis(d) > 0)
  )
}

/** Reads `--interval` / `--schedule`; says what is wrong in a line a person can act on. */
export const parseCadence = (
  interval: string | undefined,
  schedule: string | undefined
): Either.Either<Cadence, string> => {
  if (interval !== undefined && schedule !== undefined) {
    return Either.left("give --interval or --schedule, not both")
  }
  if (schedule !== undefined) {
    return Either.match(Cron.parse(schedule, "UTC"), {
      onLeft: (e) => Either.left(`--schedule: ${JSON.stringify(schedule)} is not a cron expression (${e.message}); e.g. "*/5 * * * *"`),
      onRight: (cron) => Either.right({ _tag: "Cron" as const, expression: schedule, cron })
    })
  }
  const text = interval ?? "5m"
  return Option.match(parseDuration(text), {
    onNone: () => Either.left(`--interval: cannot read ${JSON.stringify(text)} as a duration (e.g. 5m, 90s, 1h)`),
    onSome: (every) =>
      Duration.toMillis(every) < 1000
        ? Either.left(`--interval: ${JSON.stringify(text)} is shorter than 1s`)
        : Either.right({ _tag: "Interval" as const, every })
  })
}

/** After the first cycle (at start): fixed rate, or the next cron time in UTC. */
export const cadenceSchedule = (c: Cadence): Schedule.Schedule<unknown> =>
  c._tag === "Interval" ? Schedule.fixed(c.every) : Schedule.cron(c.cron)

export const describeCadence = (c: Cadence): string =>
  c._tag === "Interval" ? `every ${Duration.format(c.every)}` : `on the cron schedule "${c.expression}" (UTC)`
