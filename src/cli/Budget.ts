/**
 * What a configuration costs GitHub, for `validate`: requests (REST) or points (GraphQL) a
 * cycle, an hour at the cadence given, against the hourly quota (5,000 with a token or a GitHub
 * App, 60 without) and the secondary limit per minute (`rest_points_per_minute`,
 * `graphql_points_per_minute`) — and, plainly, whether it fits.
 *
 * An estimate, and a cautious one: every first page is counted (REST: one request per target
 * and enabled source; GraphQL: one query per `graphql_batch_size` targets), and none of the 304s
 * that make unchanged refs free for a long-running process.
 */
import { Cron, Duration, Option } from "effect"
import type { Settings } from "../config/Settings.ts"
import type { Target } from "../domain/Target.ts"
import { enabledSources } from "../domain/Target.ts"
import type { Cadence } from "../runtime/Cadence.ts"
import { describeCadence } from "../runtime/Cadence.ts"

export interface Budget {
  readonly api: "rest" | "graphql"
  readonly unit: "requests" | "points"
  readonly cadence: string
  readonly perCycle: number
  readonly cyclesPerHour: number
  readonly perHour: number
  readonly hourlyLimit: number
  readonly perMinuteLimit: number
  /** The least time GitHub's per-minute limit lets one cycle take (ms). */
  readonly pacedMillis: number
  /** The shortest time between two cycles' starts (ms). */
  readonly gapMillis: number
  readonly fits: boolean
  /** Why it does not fit, each a line a person can act on; empty when it fits. */
  readonly problems: ReadonlyArray<string>
  /** The other API's cost, for comparison (GraphQL when REST is used, and the reverse). */
  readonly other: { readonly api: "rest" | "graphql"; readonly unit: "requests" | "points"; readonly perCycle: number; readonly perHour: number }
}

const n = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 1 })

/** REST: one request per target and enabled source (first pages). */
export const restRequests = (targets: ReadonlyArray<Target>): number =>
  targets.reduce((sum, t) => sum + enabledSources(t).length, 0)

/**
 * GraphQL: one query per batch of targets (per owner, for a GitHub App without an installation
 * id), each costing GitHub's points for its connections: two a target, a hundred to the point.
 */
export const graphqlPoints = (targets: ReadonlyArray<Target>, batchSize: number, perOwner: boolean): number => {
  const size = Math.max(1, batchSize)
  const groups = perOwner
    ? [...targets.reduce((m, t) => m.set(t.owner.toLowerCase(), (m.get(t.owner.toLowerCase()) ?? 0) + 1), new Map<string, number>()).values()]
    : [targets.length]
  const pointsPer = (targetsInQuery: number) => Math.max(1, Math.round((2 * targetsInQuery) / 100))
  return groups.reduce((sum, count) => {
    const full = Math.floor(count / size)
    const rest = count % size
    return sum + full * pointsPer(size) + (rest > 0 ? pointsPer(rest) : 0)
  }, 0)
}

const HOUR = 3_600_000

/** How often the cadence starts a cycle: the most starts in any hour, and the shortest gap. */
export const cadenceRate = (cadence: Cadence, from = Date.now()): { readonly perHour: number; readonly gapMillis: number } => {
  if (cadence._tag === "Interval") {
    const every = Math.max(1, Duration.toMillis(cadence.every))
    return { perHour: HOUR / every, gapMillis: every }
  }
  // The next day's starts (at most 20,000 of them): the busiest hour, and the shortest gap.
  const starts: Array<number> = []
  let at = new Date(from)
  while (starts.length < 20_000) {
    at = Cron.next(cadence.cron, at)
    if (at.getTime() > from + 24 * HOUR) break
    starts.push(at.getTime())
  }
  let perHour = 0
  let gap = Infinity
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (j < starts.length && starts[j]! < starts[i]! + HOUR) j++
    perHour = Math.max(perHour, j - i)
    if (i > 0) gap = Math.min(gap, starts[i]! - starts[i - 1]!)
  }
  return { perHour, gapMillis: Number.isFinite(gap) ? gap : 24 * HOUR }
}

const minutes = (ms: number) => {
  const s = Math.ceil(ms / 1000)
  return s < 60 ? `${s} s` : s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`
}

export const budgetOf = (s: Settings, cadence: Cadence): Budget => {
  const api = s.api ?? "rest"
  const authenticated = Option.isSome(s.github.token) || s.github.app !== undefined
  const perOwner = s.github.app !== undefined && s.github.app.installationId === undefined
  const rest = restRequests(s.targets)
  const graphql = graphqlPoints(s.targets, s.graphqlBatchSize ?? 50, perOwner)
  const rate = cadenceRate(cadence)
  const cycles = rate.perHour
  const perCycle = api === "rest" ? rest : graphql
  const perHour = Math.ceil(perCycle * cycles)
  const hourlyLimit = authenticated ? 5_000 : 60
  const perMinuteLimit = api === "rest" ? s.restPointsPerMinute ?? 900 : s.graphqlPointsPerMinute ?? 2_000
  // N requests at most `perMinuteLimit` in any 60 s: the last goes out after ceil(N / limit) - 1 minutes.
  const pacedMillis = Math.max(0, Math.ceil(perCycle / perMinuteLimit) - 1) * 60_000
  const label = api === "rest" ? "REST" : "GraphQL"
  const unit = api === "rest" ? "requests" : "points"
  const otherApi = api === "rest" ? "graphql" : "rest"
  const otherPerCycle = api === "rest" ? graphql : rest
  const other = { api: otherApi, unit: otherApi === "rest" ? "requests" : "points", perCycle: otherPerCycle, perHour: Math.ceil(otherPerCycle * cycles) } as const
  const problems: Array<string> = []
  if (perHour > hourlyLimit) {
    const instead = api === "rest"
      ? authenticated
        ? `; api: graphql needs ${n(graphql)} point${graphql === 1 ? "" : "s"} a cycle (${n(other.perHour)}/h)`
        : "; set GITHUB_TOKEN (5,000 requests an hour instead of 60)"
      : ""
    const slowest = Math.ceil((perCycle / hourlyLimit) * 60)
    problems.push(
      `${label}: ${n(perCycle)} ${unit} a cycle × ${n(cycles)} cycle${cycles === 1 ? "" : "s"} an hour = ${n(perHour)}/h > ${n(hourlyLimit)}/h${instead}` +
        `; or a cycle every ${slowest} min at least, or ${Math.ceil(perHour / hourlyLimit)} shards with a token each`
    )
  }
  if (pacedMillis > 0 && pacedMillis >= rate.gapMillis) {
    problems.push(
      `${label}: ${n(perCycle)} ${unit} a cycle at GitHub's secondary limit of ${n(perMinuteLimit)} a minute take at least ${minutes(pacedMillis)}, ` +
        `longer than the ${minutes(rate.gapMillis)} between cycles: cycles would run late`
    )
  }
  return {
    api,
    unit,
    cadence: describeCadence(cadence),
    perCycle,
    cyclesPerHour: cycles,
    perHour,
    hourlyLimit,
    perMinuteLimit,
    pacedMillis,
    gapMillis: rate.gapMillis,
    fits: problems.length === 0,
    problems,
    other
  }
}

/** The lines `validate` prints about the budget. */
export const describeBudget = (b: Budget): ReadonlyArray<string> => {
  const label = b.api === "rest" ? "REST" : "GraphQL"
  const head = `${label}, ${b.cadence}: ${n(b.perCycle)} ${b.unit} a cycle × ${n(b.cyclesPerHour)} an hour = ${n(b.perHour)}/h of ${n(b.hourlyLimit)}/h; ` +
    `secondary limit ${n(b.perMinuteLimit)} a minute${b.pacedMillis > 0 ? ` (a cycle takes at least ${minutes(b.pacedMillis)})` : ""}`
  return b.fits
    ? [`${head} — fits`]
    : [`${head} — does NOT fit:`, ...b.problems.map((p) => `  ${p}`)]
}

export const budgetJson = (b: Budget) => ({
  api: b.api,
  unit: b.unit,
  cadence: b.cadence,
  per_cycle: b.perCycle,
  cycles_per_hour: b.cyclesPerHour,
  per_hour: b.perHour,
  hourly_limit: b.hourlyLimit,
  per_minute_limit: b.perMinuteLimit,
  min_cycle_seconds: Math.ceil(b.pacedMillis / 1000),
  fits: b.fits,
  problems: b.problems,
  other_api: { api: b.other.api, unit: b.other.unit, per_cycle: b.other.perCycle, per_hour: b.other.perHour }
})
