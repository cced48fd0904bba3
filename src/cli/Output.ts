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
    ? `GitHub App ${s.github.app.appId}${s.github.app.installationId === undefined ? ", installation per owner" : `, installation ${s.github.app.installationId}`}`
    : Option.isSome(s.github.token)
    ? "token set"
    : "no token: public repositories only, 60 requests an hour"
  const key = Option.isSome(s.datadog.apiKey) ? "API key set" : "no API key: `run` prints the checks instead"
  // Each line scrubbed and made visible on its own: a value from the file cannot forge a line.
  return [
    `configuration: ${s.configSource}`,
    `GitHub:        ${s.github.apiUrl} (${token})`,
    `Datadog:       ${s.datadog.apiUrl} (${key})`,
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
  github: { api_url: s.github.apiUrl, token: Option.isSome(s.github.token) },
  datadog: { api_url: s.datadog.apiUrl, api_key: Option.isSome(s.datadog.apiKey) },
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

/** One line for stderr after a cycle, and one per batch that was not delivered. */
export const describeDelivery = (r: CycleResult, choice: SinkChoice): ReadonlyArray<string> => {
  const total = r.results.length + 1
  const lines = choice._tag === "Stdout"
    ? [
      choice.why === "dry-run"
        ? `dry run: nothing was sent (${counted(r)})`
        : `no Datadog API key (DD_API_KEY or DATADOG_API_KEY): printed the checks, nothing was sent (${counted(r)})`
    ]
    : [`sent ${r.delivery.delivered} of ${total} checks to ${r.delivery.destination} in ${r.durationMillis} ms: ${counted(r)}`]
  for (const f of r.delivery.failures) {
    const which = f.checks.map((c) => checkTarget(c) ?? c.check)
    const shown = which.slice(0, 10).join(", ") + (which.length > 10 ? ` and ${which.length - 10} more` : "")
    lines.push(`error: ${f.checks.length} check${f.checks.length === 1 ? "" : "s"} NOT delivered (${shown}): ${f.reason}`)
  }
  return lines
}

/** `GitHub: 42 requests (40 answered 304 from the ETag cache), rate limit remaining 4890` */
export const describeRequests = (before: GitHubStats, after: GitHubStats): string => {
  const requests = after.requests - before.requests
  const notModified = after.notModified - before.notModified
  return `GitHub: ${requests} request${requests === 1 ? "" : "s"}${notModified > 0 ? ` (${notModified} answered 304 Not Modified)` : ""}${
    after.rateLimitRemaining === undefined ? "" : `, rate limit remaining ${after.rateLimitRemaining}`
  }`
}
