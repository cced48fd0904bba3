/**
 * `/metrics`: the board as gauges and counters. Everything describes the last finished cycle, so
 * a scrape between cycles sees the same numbers and never causes a request to GitHub.
 */
import type { Level } from "../domain/Status.ts"
import type { Target } from "../domain/Target.ts"
import type { BoardState } from "./Board.ts"
import { failingItems } from "./Board.ts"
import type { Family, MetricsFormat } from "./Exposition.ts"
import { exposition, sanitizeLabelName } from "./Exposition.ts"
import { noRequests, requestResults } from "./GitHubTraffic.ts"
import { labelText } from "./Text.ts"

/** A label value is the configuration's (a name, a tag): scrubbed, and cut far beyond any real one. */
const LABEL_VALUE_CHARS = 1_000
const value = (text: string) => labelText(text, LABEL_VALUE_CHARS)

/** The target's status as a number: the service check levels, whatever `failing_status` says. */
export const statusValue: Readonly<Record<Level, number>> = { ok: 0, failing: 1, unknown: 3 }

const targetLabels = (t: Target): Array<readonly [string, string]> => [["owner", value(t.owner)], ["repo", value(t.repo)], ["ref", value(t.ref)]]

/**
 * owner, repo, ref, then the target's tags as labels (names made valid). A tag whose name is
 * already taken (`repo`, or two tags that read the same once made valid) is left out.
 */
export const statusLabels = (t: Target): ReadonlyArray<readonly [string, string]> => {
  const labels = targetLabels(t)
  const taken = new Set(labels.map(([name]) => name))
  for (const tag of t.tags) {
    const colon = tag.indexOf(":")
    const name = sanitizeLabelName(colon < 0 ? tag : tag.slice(0, colon))
    if (taken.has(name)) continue
    taken.add(name)
    labels.push([name, colon < 0 ? "" : value(tag.slice(colon + 1))])
  }
  return labels
}

export const metricFamilies = (state: BoardState): ReadonlyArray<Family> => {
  const last = state.last
  const results = last?.result.results ?? []
  const requests = last?.requests ?? noRequests
  return [
    {
      name: "github_ci_monitor_status",
      type: "gauge",
      help: "CI state of a target in the last cycle: 0 OK, 1 failing, 3 unknown (GitHub could not tell).",
      samples: results.map((r) => ({ labels: statusLabels(r.target), value: statusValue[r.level] }))
    },
    {
      name: "github_ci_monitor_failing_checks",
      type: "gauge",
      help: "Failing check runs, check suites and commit statuses of a target in the last cycle.",
      samples: results.map((r) => ({ labels: targetLabels(r.target), value: failingItems(r.verdicts).length }))
    },
    {
      name: "github_ci_monitor_last_cycle_timestamp_seconds",
      type: "gauge",
      help: "When the last cycle finished, in seconds since the epoch.",
      samples: last ? [{ labels: [], value: last.finishedAt / 1000 }] : []
    },
    {
      name: "github_ci_monitor_cycle_duration_seconds",
      type: "gauge",
      help: "How long the last cycle took, in seconds.",
      samples: last ? [{ labels: [], value: last.result.durationMillis / 1000 }] : []
    },
    {
      name: "github_ci_monitor_github_requests",
      type: "counter",
      help: "Requests sent to the GitHub API since start, by how they ended (not_modified: a 304 answered from the ETag cache).",
      samples: requestResults.map((result) => ({ labels: [["result", result]], value: requests[result] }))
    },
    {
      name: "github_ci_monitor_github_rate_limit_remaining",
      type: "gauge",
      help: "Requests left in the GitHub token's rate limit window, as GitHub last reported.",
      samples: last?.rateLimitRemaining === undefined ? [] : [{ labels: [], value: last.rateLimitRemaining }]
    }
  ]
}

/** The board's metrics as text (Routes keeps each cycle's bytes: scrapes far outnumber cycles). */
export const renderMetrics = (state: BoardState, format: MetricsFormat): string => exposition(metricFamilies(state), format)
