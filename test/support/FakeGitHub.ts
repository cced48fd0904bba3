import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import type http from "node:http"
import { bodyText, headersOf, listen, send, takeFault } from "./http.ts"
import type { Fault, Headers } from "./http.ts"

export type { Fault } from "./http.ts"

export type CheckRunSpec = {
  name: string
  status?: "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending"
  conclusion?: string | null
  html_url?: string
  details_url?: string | null
}
export type CheckSuiteSpec = {
  status?: string
  conclusion?: string | null
  app_name?: string
  app_slug?: string
  latest_check_runs_count?: number
}
export type StatusSpec = {
  context: string
  state: "error" | "failure" | "pending" | "success"
  target_url?: string | null
  description?: string | null
}
export type RefSpec = {
  /** Default computed like GitHub: any failure/error -> failure; any pending or none -> pending; else success. */
  combinedState?: "failure" | "pending" | "success"
  statuses?: StatusSpec[]
  checkRuns?: CheckRunSpec[]
  checkSuites?: CheckSuiteSpec[]
}
export interface FakeGitHubOptions {
  /** Key "owner/repo@ref"; the ref may contain slashes, e.g. "acme/api@release/v2". */
  repos: Record<string, RefSpec>
  /** When set, requests without `Authorization: Bearer <token>` get 401 Bad credentials. */
  token?: string
  /**
   * Key "owner/repo@ref:status" | ":check-runs" | ":check-suites", optionally with "?page=N" to
   * hit one page only (e.g. "acme/api@main:check-runs?page=2"); served instead of the data.
   */
  faults?: Record<string, Fault>
  /** Max items per page, default 100; `per_page` is honoured up to it (GitHub's default is 30). */
  pageSizeCap?: number
}
export type RecordedRequest = { method: string; path: string; query: Record<string, string>; headers: Headers }
export interface FakeGitHub {
  url: string
  requests: RecordedRequest[]
  setRepo(key: string, spec: RefSpec): void
  setFault(key: string, fault: Fault | undefined): void
  close(): Promise<void>
}

type Obj = Record<string, unknown>

/** GitHub's own example bodies, extracted from its OpenAPI description (scripts/extract-github-fixtures.mjs). */
const examples = JSON.parse(readFileSync(new URL("../fixtures/github-examples.json", import.meta.url), "utf8")) as {
  "combined-commit-status": Obj & { statuses: [Obj, ...Obj[]]; repository: Obj & { owner: Obj } }
  "check-run-paginated": { check_runs: [Obj, ...Obj[]] }
  "check-suite-paginated": { check_suites: [Obj & { app: Obj }, ...Obj[]] }
}
const exampleStatus = examples["combined-commit-status"].statuses[0]
const exampleRepository = examples["combined-commit-status"].repository
const exampleRun = examples["check-run-paginated"].check_runs[0]
const exampleSuite = examples["check-suite-paginated"].check_suites[0]

const error = (status: number, message: string) => ({ message, documentation_url: "https://docs.github.com/rest", status: String(status) })
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex")

const combinedState = (statuses: StatusSpec[]): "failure" | "pending" | "success" =>
  statuses.some((s) => s.state === "failure" || s.state === "error")
    ? "failure"
    : statuses.length === 0 || statuses.some((s) => s.state === "pending")
      ? "pending"
      : "success"

/** "owner/repo@ref" -> its parts; the ref is everything after the first "@". */
const parseKey = (key: string) => {
  const at = key.indexOf("@")
  const [owner = "", repo = ""] = key.slice(0, at).split("/")
  return { owner, repo, ref: key.slice(at + 1) }
}

/** `/repos/{owner}/{repo}/commits/{ref}/{endpoint}` or the `/repositories/{id}/...` form GitHub puts in `Link`. */
const route = /^\/(?:repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)|repositories\/(?<id>\d+))\/commits\/(?<ref>.+)\/(?<endpoint>status|check-runs|check-suites)$/
const decode = (text: string) => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

export const startFakeGitHub = async (options: FakeGitHubOptions): Promise<FakeGitHub> => {
  const repos = new Map(Object.entries(options.repos))
  const faults = new Map(Object.entries(options.faults ?? {}).map(([key, fault]) => [key, { ...fault }]))
  const pageSizeCap = options.pageSizeCap ?? 100
  const requests: RecordedRequest[] = []
  const resetAt = String(Math.floor(Date.now() / 1000) + 3600)
  let used = 0

  /** Stable numeric ids per repository (names are case-insensitive, like GitHub's), for `/repositories/{id}` links. */
  const repoIds = new Map<string, { id: number; owner: string; repo: string }>()
  const repoOf = (owner: string, repo: string) => {
    const name = `${owner}/${repo}`.toLowerCase()
    const known = repoIds.get(name) ?? { id: 1_000 + repoIds.size, owner, repo }
    repoIds.set(name, known)
    return known
  }
  const addRepo = (key: string, spec: RefSpec) => {
    repos.set(key, spec)
    const { owner, repo } = parseKey(key)
    repoOf(owner, repo)
  }
  repos.forEach((spec, key) => addRepo(key, spec))

  /** The target's spec, or whether its repository is known at all (404 vs 422). */
  const findTarget = (owner: string, repo: string, ref: string) => {
    const name = `${owner}/${repo}`.toLowerCase()
    let repoKnown = false
    for (const [key, spec] of repos) {
      const k = parseKey(key)
      if (`${k.owner}/${k.repo}`.toLowerCase() !== name) continue
      if (k.ref === ref) return { ...k, spec }
      repoKnown = true
    }
    return repoKnown
  }

  const repository = (owner: string, repo: string) => ({
    ...exampleRepository,
    id: repoOf(owner, repo).id,
    name: repo,
    full_name: `${owner}/${repo}`,
    owner: { ...exampleRepository.owner, login: owner },
    html_url: `https://github.com/${owner}/${repo}`,
    url: `${fake.url}/repos/${owner}/${repo}`
  })

  const statusBody = (owner: string, repo: string, sha: string, spec: RefSpec) => {
    const statuses = spec.statuses ?? []
    return {
      ...examples["combined-commit-status"],
      state: spec.combinedState ?? combinedState(statuses),
      statuses: statuses.map((s, i) => ({
        ...exampleStatus,
        id: i + 1,
        url: `${fake.url}/repos/${owner}/${repo}/statuses/${sha}`,
        context: s.context,
        state: s.state,
        target_url: s.target_url ?? null,
        description: s.description ?? null
      })),
      sha,
      total_count: statuses.length,
      repository: repository(owner, repo),
      commit_url: `${fake.url}/repos/${owner}/${repo}/commits/${sha}`,
      url: `${fake.url}/repos/${owner}/${repo}/commits/${sha}/status`
    }
  }

  /** A completed item keeps its conclusion (default "success"); anything else has none yet. */
  const conclusionOf = (status: string, conclusion: string | null | undefined) =>
    status === "completed" ? (conclusion === undefined ? "success" : conclusion) : null

  const checkRuns = (owner: string, repo: string, sha: string, spec: RefSpec) =>
    (spec.checkRuns ?? []).map((run, i) => {
      const id = repoOf(owner, repo).id * 100_000 + i + 1
      const status = run.status ?? "completed"
      const html_url = run.html_url ?? `https://github.com/${owner}/${repo}/runs/${id}`
      return {
        ...exampleRun,
        id,
        head_sha: sha,
        url: `${fake.url}/repos/${owner}/${repo}/check-runs/${id}`,
        html_url,
        details_url: run.details_url === undefined ? html_url : run.details_url,
        name: run.name,
        status,
        conclusion: conclusionOf(status, run.conclusion),
        completed_at: status === "completed" ? exampleRun["completed_at"] : null
      }
    })

  const checkSuites = (owner: string, repo: string, ref: string, sha: string, spec: RefSpec) =>
    (spec.checkSuites ?? []).map((suite, i) => {
      const id = repoOf(owner, repo).id * 100_000 + i + 1
      const status = suite.status ?? "completed"
      return {
        ...exampleSuite,
        id,
        head_branch: ref,
        head_sha: sha,
        after: sha,
        status,
        conclusion: conclusionOf(status, suite.conclusion),
        url: `${fake.url}/repos/${owner}/${repo}/check-suites/${id}`,
        check_runs_url: `${fake.url}/repos/${owner}/${repo}/check-suites/${id}/check-runs`,
        app: { ...exampleSuite.app, name: suite.app_name ?? exampleSuite.app["name"], slug: suite.app_slug ?? exampleSuite.app["slug"] },
        repository: repository(owner, repo),
        // A queued suite of an app that never started has no runs.
        latest_check_runs_count: suite.latest_check_runs_count ?? (status === "queued" ? 0 : 1)
      }
    })

  /** One page of a list plus GitHub's `Link` header, whose URLs use the `/repositories/{id}` path. */
  const paginate = (items: Obj[], query: URLSearchParams, linkBase: string) => {
    const perPage = Math.min(Math.max(Number.parseInt(query.get("per_page") ?? "", 10) || 30, 1), pageSizeCap)
    const page = Math.max(Number.parseInt(query.get("page") ?? "", 10) || 1, 1)
    const last = Math.max(Math.ceil(items.length / perPage), 1)
    const link = (n: number, rel: string) => {
      const params = new URLSearchParams(query)
      params.delete("page")
      params.set("page", String(n))
      return `<${linkBase}?${params}>; rel="${rel}"`
    }
    const links = [
      ...(page > 1 ? [link(page - 1, "prev")] : []),
      ...(page < last ? [link(page + 1, "next"), link(last, "last")] : []),
      ...(page > 1 ? [link(1, "first")] : [])
    ]
    return { items: items.slice((page - 1) * perPage, page * perPage), link: links.join(", ") }
  }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", fake.url)
    const headers = headersOf(req)
    requests.push({ method: req.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), headers })
    used++
    const reply = (status: number, body: string | object | undefined, extra: Record<string, string> = {}) => {
      const etag = `W/"${sha1(bodyText(body))}"`
      // Like GitHub, a 304 to a conditional request does not count against the rate limit.
      const notModified = status === 200 && headers["if-none-match"] === etag
      if (notModified) used--
      const common = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": String(Math.max(5000 - used, 0)),
        "x-ratelimit-reset": resetAt,
        "x-ratelimit-used": String(used),
        "x-ratelimit-resource": "core",
        "x-github-api-version-selected": "2022-11-28",
        etag
      }
      return notModified ? send(res, 304, undefined, { ...common, ...extra }) : send(res, status, body, { ...common, ...extra })
    }

    const groups = req.method === "GET" ? route.exec(url.pathname)?.groups : undefined
    const named = groups?.["id"] === undefined ? undefined : [...repoIds.values()].find((r) => String(r.id) === groups["id"])
    if (!groups || (groups["id"] !== undefined && !named)) return reply(404, error(404, "Not Found"))
    const owner = named?.owner ?? decode(groups["owner"] ?? "")
    const repo = named?.repo ?? decode(groups["repo"] ?? "")
    const ref = decode(groups["ref"] ?? "")
    const endpoint = groups["endpoint"] ?? "status"

    const page = url.searchParams.get("page")
    const target = `${owner}/${repo}@${ref}:${endpoint}`
    const fault = takeFault(faults, page ? [`${target}?page=${page}`, target] : [target])
    if (fault) return fault.status === 0 ? undefined : reply(fault.status, fault.body, fault.headers)

    if (options.token !== undefined && headers["authorization"] !== `Bearer ${options.token}`) return reply(401, error(401, "Bad credentials"))
    const found = findTarget(owner, repo, ref)
    if (found === false) return reply(404, error(404, "Not Found"))
    if (found === true) return reply(422, error(422, `No commit found for SHA: ${ref}`))

    const sha = /^[0-9a-f]{40}$/.test(ref) ? ref : sha1(`${found.owner}/${found.repo}@${ref}`)
    if (endpoint === "status") return reply(200, statusBody(found.owner, found.repo, sha, found.spec))
    const all = endpoint === "check-runs" ? checkRuns(found.owner, found.repo, sha, found.spec) : checkSuites(found.owner, found.repo, ref, sha, found.spec)
    const linkBase = `${fake.url}/repositories/${repoOf(owner, repo).id}/commits/${encodeURIComponent(ref)}/${endpoint}`
    const { items, link } = paginate(all, url.searchParams, linkBase)
    reply(200, { total_count: all.length, [endpoint === "check-runs" ? "check_runs" : "check_suites"]: items }, link ? { link } : {})
  }

  const server = await listen(handle)
  const fake: FakeGitHub = {
    url: server.url,
    requests,
    setRepo: addRepo,
    setFault: (key, fault) => {
      if (fault) faults.set(key, { ...fault })
      else faults.delete(key)
    },
    close: server.close
  }
  return fake
}
