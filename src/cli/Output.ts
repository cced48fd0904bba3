/** What the CLI prints for a person: the validated targets and a cycle's outcome. */
import { Option } from "effect"
import type { Settings } from "../config/Settings.ts"
import { sourceLabel } from "../domain/Status.ts"
import { enabledSources, targetKey } from "../domain/Target.ts"
import type { CycleResult } from "../monitor.ts"
import type { SinkChoice } from "../runtime/Layers.ts"
import { scrub } from "../domain/Scrub.ts"
import { checkTarget } from "../sinks/Sink.ts"
import { printable, table } from "../sinks/Stdout.ts"
import type { GitHubStats } from "../github/GitHubClient.ts"


/** Where a secret comes from, for a person: the variable, the file or the secret, never the value. */
const fromWhere = (source: string | undefined) => (source === undefined ? "" : ` from ${source}`)

/** The secret_id secret as configured: `secret "gcm/creds" (region eu-west-1, version v-2)`. */
const describeSecret = (s: Settings): string | undefined =>
  s.secret === undefined ? undefined : `secret ${JSON.stringify(s.secret.id)}${
    [s.secret.region && `region ${s.secret.region}`, s.secret.versionId && `version ${s.secret.versionId}`].filter(Boolean).length > 0
      ? ` (${[s.secret.region && `region ${s.secret.region}`, s.secret.versionId && `version ${s.secret.versionId}`].filter(Boolean).join(", ")})`
      : ""
  }, read from AWS Secrets Manager; its values win over the environment's`

export const describeSettings = (s: Settings): string => {
  const rows = [
    ["TARGET", "SOURCES", "FAIL ON", "TAGS"],
    ...s.targets.map((t) => [
      targetKey(t),
      enabledSources(t).map((x) => sourceLabel[x]).join(", "),
      t.failOn.join(","),
      t.tags.join(",") || "-"
    ])
  ]
  const token = s.github.app !== undefined
    ? `GitHub App ${s.github.app.appId}${s.github.app.installationId === undefined ? ", installation per owner" : `, installation ${s.github.app.installationId}`}; private key${fromWhere(s.github.app.privateKeySource)}`
    : Option.isSome(s.github.token)
    ? `token${fromWhere(s.github.tokenSource)}`
    : "no token: public repositories only, 60 requests an hour"
  const key = Option.isSome(s.datadog.apiKey) ? `API key${fromWhere(s.datadog.apiKeySource)}` : "no API key: `run` prints the checks instead"
  const secret = describeSecret(s)
  const unused = s.unusedEnv ?? []
  // Each line scrubbed and made visible on its own: a value from the file cannot forge a line.
  return [
    `configuration: ${s.configSource}`,
    ...(secret === undefined ? [] : [`secrets:       ${secret}`]),
    `GitHub:        ${s.github.apiUrl} (${token})`,
    `Datadog:       ${s.datadog.apiUrl} (${key})`,
    ...(unused.length === 0 ? [] : [`not used:      ${unused.join(", ")} (set, but the secret's value wins)`]),
    `API:           ${s.api ?? "rest"}${s.api === "graphql" ? ` (${s.graphqlBatchSize ?? 50} targets a query)` : ""}`,
    `checks:        ${s.checkName} (failing sends ${s.failingStatus}), self-check ${s.selfCheckName}, host_name ${s.hostName}`,
    `concurrency:   ${s.concurrency}`,
    "",
    ...table(rows.map((r) => r.map(scrub))).split("\n"),
    "",
    `${s.targets.length} target${s.targets.length === 1 ? "" : "s"}`
  ].map(printable).join("\n")
}

export const settingsJson = (s: Settings) => ({
  configuration: s.configSource,
  ...(s.secret === undefined ? {} : { secret: { id: s.secret.id, region: s.secret.region ?? null, version_id: s.secret.versionId ?? null } }),
  github: {
    api_url: s.github.apiUrl,
    token: Option.isSome(s.github.token),
    token_source: s.github.tokenSource ?? null,
    ...(s.github.app === undefined ? {} : {
      app: {
        app_id: s.github.app.appId,
        installation_id: s.github.app.installationId ?? null,
        private_key_source: s.github.app.privateKeySource ?? null
      }
    })
  },
  datadog: { api_url: s.datadog.apiUrl, api_key: Option.isSome(s.datadog.apiKey), api_key_source: s.datadog.apiKeySource ?? null },
  unused_environment: s.unusedEnv ?? [],
  api: s.api ?? "rest",
  check_name: s.checkName,
  self_check_name: s.selfCheckName,
  host_name: s.hostName,
  failing_status: s.failingStatus,
  concurrency: s.concurrency,
  targets: s.targets.map((t) => ({
    owner: t.owner,
    repo: t.repo,
    ref: t.ref,
    sources: enabledSources(t),
    fail_on: t.failOn,
    tags: t.tags
  }))
})

const counted = (r: CycleResult) =>
  `${r.counts.ok} OK, ${r.counts.failing} failing, ${r.counts.unknown} unknown`

/** `850 ms`, `31.4 s` (tenths cut, not rounded: never more than it took). */
export const formatMillis = (ms: number): string =>
  ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${(Math.floor(ms / 100) / 10).toFixed(1)} s`

/**
 * One line for stderr after a cycle, and one per batch that was not delivered. The delivery's
 * own time (`deliveryMillis`) is told apart from the whole cycle's, which is mostly GitHub's.
 */
export const describeDelivery = (r: CycleResult, choice: SinkChoice, deliveryMillis?: number): ReadonlyArray<string> => {
  const total = r.results.length + 1
  const cycle = `cycle ${formatMillis(r.durationMillis)}`
  const lines = choice._tag === "Stdout"
    ? [
      choice.why === "dry-run"
        ? `dry run: nothing was sent (${counted(r)}; ${cycle})`
        : `no Datadog API key (DD_API_KEY or DATADOG_API_KEY): printed the checks, nothing was sent (${counted(r)}; ${cycle})`
    ]
    : [
      `sent ${r.delivery.delivered} of ${total} checks to ${r.delivery.destination}${
        deliveryMillis === undefined ? "" : ` in ${Math.round(deliveryMillis)} ms`
      } (${cycle}): ${counted(r)}`
    ]
  for (const f of r.delivery.failures) {
    const which = f.checks.map((c) => checkTarget(c) ?? c.check)
    const shown = which.slice(0, 10).join(", ") + (which.length > 10 ? ` and ${which.length - 10} more` : "")
    lines.push(`error: ${f.checks.length} check${f.checks.length === 1 ? "" : "s"} NOT delivered (${shown}): ${f.reason}`)
  }
  return lines
}

const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`

/**
 * What GitHub was asked during a cycle, told from two readings of the client's stats:
 * `GitHub: 42 requests sent, 42 answered (40 of them 304 Not Modified), rate limit remaining 4890`, or
 * `GitHub: 3 requests sent, 0 answered, 3 failed (could not connect)`.
 */
export const describeRequests = (before: GitHubStats, after: GitHubStats): string => {
  const sent = after.requests - before.requests
  const answered = (after.answered ?? 0) - (before.answered ?? 0)
  const failed = (after.failed ?? 0) - (before.failed ?? 0)
  const notModified = after.notModified - before.notModified
  const kinds = Object.entries(after.failures ?? {})
    .map(([kind, n]) => [kind, n - (before.failures?.[kind] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
  const why = kinds.length === 1 ? kinds[0]![0] : kinds.map(([kind, n]) => `${n} ${kind}`).join(", ")
  const inFlight = sent - answered - failed
  return [
    `GitHub: ${plural(sent, "request")} sent, ${answered.toLocaleString("en-US")} answered`,
    notModified > 0 ? ` (${notModified.toLocaleString("en-US")} of them 304 Not Modified)` : "",
    failed > 0 ? `, ${failed.toLocaleString("en-US")} failed${why === "" ? "" : ` (${why})`}` : "",
    inFlight > 0 ? `, ${inFlight.toLocaleString("en-US")} unfinished` : "",
    after.rateLimitRemaining === undefined ? "" : `, rate limit remaining ${after.rateLimitRemaining}`
  ].join("")
}
