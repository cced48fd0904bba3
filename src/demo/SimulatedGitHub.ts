/**
 * A small simulated GitHub for `github-ci-monitor demo`: an HttpClient that answers the three
 * REST endpoints from memory, with GitHub's shapes, pagination over `Link` and 404s, so a
 * newcomer sees a real cycle with no token and no network. Runs on Node, Deno and Bun alike.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Effect, Layer } from "effect"

interface Run {
  readonly name: string
  readonly status: string
  readonly conclusion: string | null
}
interface Repo {
  readonly state: string
  readonly statuses: ReadonlyArray<{ readonly context: string; readonly state: string }>
  readonly runs: ReadonlyArray<Run>
}

const done = (name: string, conclusion = "success"): Run => ({ name, status: "completed", conclusion })

/** The sample repositories: passing, failing on a later page, pending, and (by absence) missing. */
const repos: Readonly<Record<string, Repo>> = {
  "octo-demo/api@main": {
    state: "success",
    statuses: [{ context: "ci/jenkins: build", state: "success" }],
    runs: [done("build"), done("test"), done("lint"), done("docs", "skipped")]
  },
  "octo-demo/web@main": {
    state: "success",
    statuses: [],
    // 140 runs: the failing one is on the second page of 100.
    runs: [
      ...Array.from({ length: 139 }, (_, i) => done(`e2e shard ${i + 1}/140`)),
      done("e2e shard 140/140", "failure")
    ]
  },
  "octo-demo/worker@release/v2": {
    state: "pending",
    statuses: [{ context: "deploy/preview", state: "pending" }],
    runs: [done("build"), { name: "integration", status: "in_progress", conclusion: null }]
  }
}

export const demoTargets = [
  "octo-demo/api@main",
  "octo-demo/web@main",
  "octo-demo/worker@release/v2",
  "octo-demo/legacy@main"
] as const

export const demoConfig = `check_name: ci.ok
tags: { env: demo }
repos:
${
  demoTargets.map((t) => {
    const [repoPath, ref] = t.split("@")
    const [owner, repo] = (repoPath ?? "").split("/")
    return `  - { owner: ${owner}, repo: ${repo}, ref: ${ref} }`
  }).join("\n")
}
`

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } })

const page = <A>(url: URL, items: ReadonlyArray<A>) => {
  const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? 30))
  const n = Number(url.searchParams.get("page") ?? 1)
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const next = new URL(url)
  next.searchParams.set("page", String(n + 1))
  return {
    items: items.slice((n - 1) * perPage, n * perPage),
    headers: n < last ? { link: `<${next.href}>; rel="next"` } : {}
  }
}

const answer = (url: URL): Response => {
  const m = /^\/repos\/([^/]+)\/([^/]+)\/commits\/(.+)\/(status|check-runs|check-suites)$/.exec(url.pathname)
  const key = m ? `${decodeURIComponent(m[1] ?? "")}/${decodeURIComponent(m[2] ?? "")}@${decodeURIComponent(m[3] ?? "")}` : ""
  const repo = repos[key]
  if (!m || !repo) return json(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" })
  const web = `https://github.com/${m[1]}/${m[2]}`
  switch (m[4]) {
    case "status":
      return json(200, {
        state: repo.state,
        statuses: repo.statuses.map((s) => ({ ...s, target_url: `${web}/deployments` })),
        total_count: repo.statuses.length
      })
    case "check-runs": {
      const runs = repo.runs.map((r, i) => ({ ...r, id: i + 1, html_url: `${web}/runs/${i + 1}`, details_url: null }))
      const p = page(url, runs)
      return json(200, { total_count: runs.length, check_runs: p.items }, p.headers)
    }
    default: {
      const failed = repo.runs.some((r) => r.conclusion === "failure")
      const running = repo.runs.some((r) => r.conclusion === null)
      return json(200, {
        total_count: 1,
        check_suites: [{
          id: 1,
          status: running ? "in_progress" : "completed",
          conclusion: running ? null : failed ? "failure" : "success",
          head_sha: "0000000000000000000000000000000000000000",
          latest_check_runs_count: repo.runs.length,
          app: { name: "GitHub Actions", slug: "github-actions" },
          repository: { html_url: web }
        }]
      })
    }
  }
}

/** An HttpClient that answers from the sample repositories above. */
export const SimulatedGitHub = Layer.succeed(
  HttpClient.HttpClient,
  HttpClient.make((request, url) => Effect.sync(() => HttpClientResponse.fromWeb(request, answer(url))))
)
