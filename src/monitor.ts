/**
 * One monitoring cycle: targets → each enabled source's verdict → one service check per target
 * plus the monitor's self-check → the sink. Whatever a source does, every target gets exactly
 * one check; a source's error becomes status 3 for its own target here, and only here.
 */
import { Cause, Clock, Duration, Effect, Either } from "effect"
import { scrub } from "./domain/Scrub.ts"
import type { CheckStatus, Level } from "./domain/Status.ts"
import { checkMessage, checkStatus, fitParts, targetLevel } from "./domain/Status.ts"
import type { Target } from "./domain/Target.ts"
import { enabledSources } from "./domain/Target.ts"
import type { SourceVerdict, Verdict } from "./domain/Verdict.ts"
import { unknown } from "./domain/Verdict.ts"
import { cycleDeadline } from "./github/GitHubClient.ts"
import type { DeliveryReport, ServiceCheck } from "./sinks/Sink.ts"
import { Sink } from "./sinks/Sink.ts"
import type { SourceResult } from "./sources/StatusSource.ts"
import { StatusSources } from "./sources/StatusSource.ts"

export interface CycleOptions {
  readonly checkName: string
  readonly selfCheckName: string
  readonly hostName: string
  readonly failingStatus: 1 | 2
  readonly globalTags: ReadonlyArray<string>
  /** Batches asked at once (each REST batch is one target); the GitHub client bounds requests too. */
  readonly concurrency?: number | undefined
  /**
   * How long the cycle may take to judge its targets (planning and sources); then unanswered
   * targets are unknown and every check still goes out.
   */
  readonly deadline?: Duration.DurationInput | undefined
  /**
   * When the deadline started counting (epoch ms), if before `runCycle` was called: the caller
   * spent some of it already (listing whole owners). Default: when `runCycle` starts.
   */
  readonly startedAt?: number | undefined
  /**
   * When this completes (a signal's grace ran out), GitHub is asked no more, as at the
   * deadline: the targets not answered yet are unknown and every check still goes out.
   */
  readonly stop?: Effect.Effect<void> | undefined
}

export interface TargetResult {
  readonly target: Target
  readonly verdicts: ReadonlyArray<SourceVerdict>
  readonly level: Level
  readonly check: ServiceCheck
}

export interface CycleResult {
  readonly results: ReadonlyArray<TargetResult>
  readonly selfCheck: ServiceCheck
  readonly delivery: DeliveryReport
  readonly counts: Readonly<Record<Level, number>>
  readonly durationMillis: number
}

/**
 * A verdict with its texts scrubbed: they come from GitHub and its errors, and whatever is kept
 * here reaches every output (the check's message, the status page, /metrics).
 */
const scrubbed = (v: Verdict): Verdict => {
  switch (v._tag) {
    case "Passing":
      return v.pending === undefined ? v : { ...v, pending: v.pending.map(scrub) }
    case "Failing":
      return {
        ...v,
        items: v.items.map((i) => ({ ...i, name: scrub(i.name), conclusion: scrub(i.conclusion), url: i.url === undefined ? undefined : scrub(i.url) }))
      }
    case "Unknown":
      return { ...v, detail: scrub(v.detail) }
  }
}

const toVerdict = (result: SourceResult | undefined): Verdict =>
  result === undefined
    ? unknown("unexpected_response", "the source gave no answer for this target")
    : Either.match(result, { onLeft: (e) => unknown(e.reason, scrub(e.detail)), onRight: scrubbed })

/**
 * Asks every source for the targets that enable it, in batches of the source's size, keeping
 * each answer as it comes. A source that dies leaves its targets unknown; at the deadline, the
 * targets not yet answered are unknown ("timed out") and every answer already in is kept.
 *
 * Planning is linear and light, so 100,000 targets are asked within a second or so: a batch is
 * a number until it starts, and answers are kept by the target's position. (`Array.chunksOf`
 * copied the rest of the array at each step — 40,000 targets waited 119 s — and 300,000
 * effects and 100,000 maps made up front cost seconds of garbage collection.)
 */
const collectVerdicts = (
  targets: ReadonlyArray<Target>,
  deadline: Duration.Duration | undefined,
  startedAt: number,
  concurrency: number,
  stop: Effect.Effect<void> | undefined
) =>
  Effect.gen(function*() {
    const sources = yield* StatusSources
    // Per source: the positions of the targets that enable it, and their verdicts by position.
    const plans = sources.map((source) => {
      const positions: Array<number> = []
      for (let i = 0; i < targets.length; i++) if (targets[i]!.sources[source.id]) positions.push(i)
      return { source, positions, size: Math.max(1, source.batchSize), verdicts: new Array<Verdict | undefined>(targets.length) }
    })
    // Batch n of all: the plan whose first batch number is the largest one not above n.
    const firstBatch: Array<number> = []
    let batchCount = 0
    for (const plan of plans) {
      firstBatch.push(batchCount)
      batchCount += Math.ceil(plan.positions.length / plan.size)
    }
    const ask = (n: number) => {
      let p = plans.length - 1
      while (p > 0 && firstBatch[p]! > n) p--
      const { positions: all, size, source, verdicts } = plans[p]!
      const from = (n - firstBatch[p]!) * size
      const positions = all.slice(from, from + size)
      const batch = positions.map((i) => targets[i]!)
      return source.check(batch).pipe(
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.failCause(cause)
            : Effect.logError(`source ${source.id} failed`, cause).pipe(
              Effect.as(batch.map(() =>
                Either.right(unknown("unexpected_response", `internal error: ${Cause.pretty(cause).split("\n")[0]}`))
              ))
            )
        ),
        Effect.map((results) => positions.forEach((at, i) => (verdicts[at] = toVerdict(results[i]))))
      )
    }
    const all = Effect.forEach(
      Array.from({ length: batchCount }, (_, n) => n),
      ask,
      // Bounded here, not only by the GitHub client's semaphore: thousands of fibers queued on
      // one semaphore make every release wake them all (quadratic in the number of targets).
      { concurrency: Math.max(1, concurrency), discard: true }
    )
    let late = deadline === undefined
      ? undefined
      : unknown("timeout", `no answer from GitHub before the cycle's deadline (${Duration.format(deadline)})`)
    // What is left of the cycle's deadline once the targets were listed and the work planned.
    const endsAt = deadline === undefined ? undefined : startedAt + Duration.toMillis(deadline)
    const left = endsAt === undefined ? undefined : Math.max(0, endsAt - (yield* Clock.currentTimeMillis))
    const bounded = left === undefined ? all : Effect.timeoutOption(all, Duration.millis(left)).pipe(Effect.locally(cycleDeadline, endsAt))
    yield* stop === undefined ? bounded : Effect.raceFirst(
      bounded,
      stop.pipe(Effect.tap(() => {
        late = unknown("timeout", "no answer from GitHub before the monitor was stopped (SIGTERM or SIGINT)")
      }))
    )
    const bySource = new Map(plans.map((plan) => [plan.source.id, plan.verdicts]))
    return targets.map((t, at) =>
      enabledSources(t).map((source): SourceVerdict => ({
        source,
        verdict: bySource.get(source)?.[at] ?? late ?? unknown("unexpected_response", "no source answered for this target")
      }))
    )
  })

const selfCheckFor = (
  options: CycleOptions,
  counts: Readonly<Record<Level, number>>,
  results: ReadonlyArray<TargetResult>,
  timestamp: number
): ServiceCheck => {
  const total = results.length
  const blind = total > 0 && counts.unknown === total
  const head = `github-ci-monitor checked ${total} target${total === 1 ? "" : "s"}: ${counts.ok} OK, ${counts.failing} failing, ${counts.unknown} unknown`
  // When not one target could be read, the monitor itself is the likely problem (token, network).
  const first = results[0]?.check.message
  const status: CheckStatus = blind ? 1 : 0
  return {
    check: options.selfCheckName,
    host_name: options.hostName,
    status,
    tags: options.globalTags,
    message: scrub(blind && first ? fitParts(`${head}; e.g. `, [first], "") : head),
    timestamp
  }
}

/** Runs one cycle over `targets` and delivers every check to the Sink. */
export const runCycle = (targets: ReadonlyArray<Target>, options: CycleOptions) =>
  Effect.gen(function*() {
    const sink = yield* Sink
    const started = options.startedAt ?? (yield* Clock.currentTimeMillis)
    const verdicts = yield* collectVerdicts(
      targets,
      options.deadline === undefined ? undefined : Duration.decode(options.deadline),
      started,
      options.concurrency ?? 10,
      options.stop
    )
    const timestamp = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const results = targets.map((target, i): TargetResult => {
      const vs = verdicts[i] ?? []
      const level = targetLevel(vs)
      return {
        target,
        verdicts: vs,
        level,
        check: {
          check: options.checkName,
          host_name: options.hostName,
          status: checkStatus(level, options.failingStatus),
          tags: [`owner:${target.owner}`, `repo:${target.repo}`, `ref:${target.ref}`, ...target.tags],
          // Built from scrubbed verdicts, and scrubbed whole: a secret split across parts goes too.
          message: scrub(checkMessage(target, vs)),
          timestamp
        }
      }
    })
    const counts = {
      ok: results.filter((r) => r.level === "ok").length,
      failing: results.filter((r) => r.level === "failing").length,
      unknown: results.filter((r) => r.level === "unknown").length
    }
    const selfCheck = selfCheckFor(options, counts, results, timestamp)
    const delivery = yield* sink.deliver([...results.map((r) => r.check), selfCheck])
    const durationMillis = (yield* Clock.currentTimeMillis) - started
    return { results, selfCheck, delivery, counts, durationMillis } satisfies CycleResult
  }).pipe(Effect.withSpan("Monitor.cycle", { attributes: { targets: targets.length } }))
