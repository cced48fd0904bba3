/**
 * deploy/datadog/ in step with what `serve` exposes: the Agent's OpenMetrics check, fed our
 * /metrics through the same Prometheus text parser it uses, yields per-target gauges that the
 * monitors query; the push-mode monitors name the checks `run` sends.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import * as YAML from "js-yaml"
import { defaults } from "../../src/config/Settings.ts"
import { failing, passing, unknown } from "../../src/domain/Verdict.ts"
import { exposition } from "../../src/serve/Exposition.ts"
import { metricFamilies } from "../../src/serve/Metrics.ts"
import { noRequests } from "../../src/serve/GitHubTraffic.ts"
import { boardAfter, parseExposition, target } from "./support.ts"

const file = (path: string) => readFileSync(new URL(`../../deploy/datadog/${path}`, import.meta.url), "utf8")
const monitor = (name: string) =>
  JSON.parse(file(`monitors/${name}.json`)) as { name: string; type: string; query: string; message: string; options: Record<string, unknown> }

type Rename = string | { readonly type?: string; readonly name?: string }
interface Instance {
  readonly openmetrics_endpoint: string
  readonly namespace: string
  readonly metrics: ReadonlyArray<string | Record<string, Rename>>
}
const conf = YAML.load(file("conf.d/openmetrics.d/conf.yaml")) as { init_config: unknown; instances: ReadonlyArray<Instance> }
const instance = conf.instances[0] as Instance
const renames = new Map<string, Rename>(
  instance.metrics.flatMap((m): ReadonlyArray<readonly [string, Rename]> => (typeof m === "string" ? [[m, m]] : Object.entries(m)))
)

/**
 * What the Agent submits for one scrape: it asks for `text/plain`, parses with prometheus_client
 * (counters lose `_total`), keeps the listed families, names them `<namespace>.<rename>` (a
 * counter's with `.count`), and turns every label into a `name:value` tag.
 */
const agentView = (text: string) =>
  parseExposition(text, "prometheus").flatMap((f) => {
    const rename = renames.get(f.name)
    if (rename === undefined) return []
    const name = `${instance.namespace}.${typeof rename === "string" ? rename : rename.name ?? f.name}${f.type === "counter" ? ".count" : ""}`
    return f.samples.map((s) => ({ name, tags: Object.entries(s.labels).map(([k, v]) => `${k}:${v}`), value: s.value }))
  })

const board = boardAfter([
  [target("acme/api@main", ["team:platform", "cost-center:42"]), [{ source: "check_runs", verdict: passing }]],
  [target("acme/web@release/v2", ["team:web"]), [{ source: "check_runs", verdict: failing([{ name: "e2e", conclusion: "failure" }]) }]],
  [target("acme/ghost@main"), [{ source: "status", verdict: unknown("not_found", "not found (404)") }]]
], { rateLimitRemaining: 4000, requests: { ...noRequests, ok: 5 } })
const submitted = agentView(exposition(metricFamilies(board), "prometheus"))

describe("the Agent's OpenMetrics check (deploy/datadog/conf.d/openmetrics.d/conf.yaml)", () => {
  it("scrapes /metrics of serve's default port, under the github_ci_monitor namespace", () => {
    expect(instance.openmetrics_endpoint).toBe("http://localhost:9101/metrics")
    expect(instance.namespace).toBe("github_ci_monitor")
  })

  it("lists every family serve exposes, and nothing it does not (counters without _total)", () => {
    const exposed = metricFamilies(board).map((f) => f.name)
    expect([...renames.keys()].sort()).toEqual([...exposed].sort())
  })

  it("maps no metric to a service check, which would drop the owner/repo/ref labels", () => {
    for (const rename of renames.values()) expect(typeof rename === "string" || rename.type !== "service_check").toBe(true)
  })

  it("yields one github_ci_monitor.status gauge per target, tagged owner, repo, ref and the configured tags", () => {
    const status = submitted.filter((m) => m.name === "github_ci_monitor.status")
    expect(status.map((m) => [m.tags, m.value])).toEqual([
      [["owner:acme", "repo:api", "ref:main", "team:platform", "cost_center:42"], 0],
      [["owner:acme", "repo:web", "ref:release/v2", "team:web"], 1],
      [["owner:acme", "repo:ghost", "ref:main"], 3]
    ])
    expect(new Set(submitted.map((m) => m.name))).toEqual(new Set([
      "github_ci_monitor.status",
      "github_ci_monitor.failing_checks",
      "github_ci_monitor.last_cycle_timestamp_seconds",
      "github_ci_monitor.cycle_duration_seconds",
      "github_ci_monitor.github.requests.count",
      "github_ci_monitor.github.rate_limit_remaining"
    ]))
  })
})

describe("monitors (deploy/datadog/monitors/*.json, for POST /api/v1/monitor)", () => {
  it("pull: a metric monitor per owner,repo,ref on the status gauge, alerting on failing (1) and unknown (3)", () => {
    const m = monitor("pull-status-metric")
    expect(m.type).toBe("query alert")
    const q = /^max\(last_5m\):max:([\w.]+)\{\*\} by \{([\w,]+)\} >= 1$/.exec(m.query)
    expect(q?.[1]).toBe("github_ci_monitor.status")
    expect(q?.[2]).toBe("owner,repo,ref")
    const status = submitted.filter((s) => s.name === q?.[1])
    for (const by of (q?.[2] ?? "").split(",")) expect(status.every((s) => s.tags.some((t) => t.startsWith(`${by}:`)))).toBe(true)
    expect(m.options["thresholds"]).toEqual({ critical: 1 })
    expect(status.filter((s) => s.value >= 1).map((s) => s.tags.slice(0, 3).join(","))).toEqual([
      "owner:acme,repo:web,ref:release/v2",
      "owner:acme,repo:ghost,ref:main"
    ])
  })

  it("pull: the scrape health check the OpenMetrics check sends under our namespace", () => {
    expect(monitor("pull-scrape-health").query).toContain(`"${instance.namespace}.openmetrics.health"`)
  })

  it("push: the ci.ok service check by owner, repo, ref", () => {
    const m = monitor("push-ci-ok-service-check")
    expect(m.type).toBe("service check")
    expect(m.query).toBe(`"${defaults.checkName}".over("*").by("owner","repo","ref").last(2).count_by_status()`)
  })

  it("push: no data from the self-check", () => {
    const m = monitor("push-self-check-no-data")
    expect(m.query).toBe(`"${defaults.selfCheckName}".over("*").last(2).count_by_status()`)
    expect(m.options["notify_no_data"]).toBe(true)
    expect(m.options["no_data_timeframe"]).toBeGreaterThanOrEqual(10)
  })

  it("every message names a handle to notify and uses only variables these monitors have", () => {
    for (const name of ["pull-status-metric", "pull-scrape-health", "push-ci-ok-service-check", "push-self-check-no-data"]) {
      const m = monitor(name)
      expect(m.message).toMatch(/@[\w-]+/)
      const groups = [...m.query.matchAll(/by\s*\(?\{?([^)}]*)/g)].flatMap((g) => (g[1] ?? "").replace(/"/g, "").split(",")).filter(Boolean)
      for (const v of m.message.matchAll(/\{\{(\w+)\.name\}\}/g)) expect(groups, `${name}: ${v[0]}`).toContain(v[1])
    }
  })
})
