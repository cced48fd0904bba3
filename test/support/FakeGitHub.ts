import { createHash, randomBytes, verify } from "node:crypto"
import { readFileSync } from "node:fs"
import type http from "node:http"
import { bodyText, faultBody, headersOf, listen, readBody, send, streamFault, takeFault } from "./http.ts"
import type { Fault, Headers } from "./http.ts"
import { answerGraphQL } from "./FakeGitHubGraphQL.ts"
import type { FakeCommit, FieldError, GraphQLData, RateLimitState } from "./FakeGitHubGraphQL.ts"

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
  /** Over GraphQL, the ref is an annotated tag pointing at the commit (REST reads the commit either way). */
  annotatedTag?: boolean
}
/** What the repository listings (`GET /orgs/{org}/repos`, `/users/{user}/repos`) say of a repository. */
export type RepositorySpec = {
  default_branch?: string
  topics?: string[]
  archived?: boolean
  fork?: boolean
  private?: boolean
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
  /**
   * Repositories for the listings, key "owner/repo" (with their metadata); every repository of
   * `repos` is listed too. Listing faults: key "orgs/{org}/repos" or "users/{user}/repos".
   */
  repositories?: Record<string, RepositorySpec>
  /** Whether an owner is an organization (the default) or a user: `/orgs/{user}/repos` is 404. */
  owners?: Record<string, "Organization" | "User">
  /**
   * GraphQL (`POST /graphql`, `/api/graphql`): a field that fails for one target, key
   * "owner/repo@ref" (or "owner/repo" for the repository). A whole-query fault: key "graphql".
   */
  graphqlErrors?: Record<string, FieldError>
  /**
   * A GitHub App: `POST /app/installations/{id}/access_tokens`, `GET /orgs/{org}/installation`
   * and `GET /users/{user}/installation` take its JWT (RS256, verified with `publicKey`; `iat`,
   * `exp` and `iss` checked); every other request then needs a live installation token of an
   * installation on the owner it reads (expired: 401; another owner's: 404).
   */
  app?: FakeGitHubApp
  /** The REST API's path, like GitHub Enterprise Server's `/api/v3` (default: the root). */
  basePath?: string
  /** `false`: no `x-ratelimit-*` headers, like a GitHub Enterprise Server with rate limiting off. */
  rateLimitHeaders?: boolean
  /** Serve over https with the test certificate (test/support/http.ts `testTls`). */
  tls?: boolean
  /** The web host in `html_url`s (default https://github.com). */
  webUrl?: string
  /**
   * Repositories renamed or transferred, key "old-owner/old-name" → "owner/name": like GitHub,
   * a request by the old name answers 301 Moved Permanently, `Location` the same request by the
   * repository's id (`/repositories/{id}/…`, query kept).
   */
  renamed?: Record<string, string>
}
export interface FakeGitHubApp {
  id: number
  clientId?: string
  /** PEM (SPKI or PKCS#1) of the App's key pair. */
  publicKey: string
  /** Owner → its installation of the App. */
  installations: Record<string, { id: number; type?: "Organization" | "User" }>
  /** How long an installation token lives (default 3600 s, as on GitHub). */
  tokenTtlSeconds?: number
}
export interface IssuedToken {
  token: string
  installation: number
  expiresAt: number
}
export type GraphQLQueryRecord = { query: string; variables: Record<string, unknown>; cost: number; requests: number; nodes: number; status: number }
export type RecordedRequest = { method: string; path: string; query: Record<string, string>; headers: Headers }
export interface FakeGitHub {
  url: string
  requests: RecordedRequest[]
  /** Every GraphQL query answered, with its cost per GitHub's formula. */
  graphql: GraphQLQueryRecord[]
  /** Installation tokens issued (App), in order. */
  issuedTokens: IssuedToken[]
  /** JWTs seen by the App endpoints (App), in order. */
  jwts: string[]
  /** Why each rejected JWT was rejected (App). */
  jwtRejections: string[]
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

const base64urlJson = (part: string): Obj | undefined => {
  try {
    const value = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown
    return typeof value === "object" && value !== null ? value as Obj : undefined
  } catch {
    return undefined
  }
}

/** Checks an App's JWT as GitHub does; gives why it is refused, or undefined. */
const jwtProblem = (jwt: string, app: FakeGitHubApp, nowSeconds: number): string | undefined => {
  const [h = "", p = "", sig = ""] = jwt.split(".")
  const header = base64urlJson(h)
  const payload = base64urlJson(p)
  if (!header || !payload || !sig) return "A JSON web token could not be decoded"
  if (header["alg"] !== "RS256") return "alg must be RS256"
  if (!verify("RSA-SHA256", Buffer.from(`${h}.${p}`), app.publicKey, Buffer.from(sig, "base64url"))) {
    return "A JSON web token could not be decoded (signature)"
  }
  const iat = payload["iat"]
  const exp = payload["exp"]
  if (typeof iat !== "number" || typeof exp !== "number") return "'Issued at' and 'Expiration time' claims are required"
  if (iat > nowSeconds + 5) return "'Issued at' claim ('iat') must be an Integer representing a time in the past"
  if (exp <= nowSeconds) return "'Expiration time' claim ('exp') must be a numeric value representing the future time"
  if (exp > nowSeconds + 600) return "'Expiration time' claim ('exp') is too far in the future"
  const iss = payload["iss"]
  if (String(iss) !== String(app.id) && (app.clientId === undefined || iss !== app.clientId)) return "'Issuer' claim ('iss') must be the App's id or client id"
  return undefined
}

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

/** `GET /orgs/{org}/repos` and `GET /users/{user}/repos`: the repositories of an owner. */
const listRoute = /^\/(?<kind>orgs|users)\/(?<owner>[^/]+)\/repos$/

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
  const basePath = (options.basePath ?? "").replace(/\/+$/, "")
  const web = (options.webUrl ?? "https://github.com").replace(/\/+$/, "")
  const issuedTokens: IssuedToken[] = []
  const jwts: string[] = []
  const jwtRejections: string[] = []
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
    html_url: `${web}/${owner}/${repo}`,
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
      const html_url = run.html_url ?? `${web}/${owner}/${repo}/runs/${id}`
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

  // --- GitHub App ------------------------------------------------------------------------------

  const installationOf = (owner: string) =>
    Object.entries(options.app?.installations ?? {}).find(([o]) => o.toLowerCase() === owner.toLowerCase())?.[1]

  /**
   * Whether the request may read `owner`'s repositories: with a token configured, that token;
   * with an App, a live installation token of an installation on the owner. Gives the refusal.
   */
  const refusal = (headers: Headers, owners: ReadonlyArray<string>): [number, string] | undefined => {
    const auth = headers["authorization"]
    if (options.app !== undefined) {
      const issued = issuedTokens.find((t) => auth === `Bearer ${t.token}`)
      if (issued === undefined || issued.expiresAt <= Date.now()) return [401, "Bad credentials"]
      if (owners.some((o) => installationOf(o)?.id !== issued.installation)) return [404, "Not Found"]
      return undefined
    }
    if (options.token !== undefined && auth !== `Bearer ${options.token}`) return [401, "Bad credentials"]
    return undefined
  }

  const appRoute = /^\/(?:app\/installations\/(?<installation>\d+)\/access_tokens|(?<kind>orgs|users)\/(?<owner>[^/]+)\/installation)$/

  const handleApp = (
    method: string,
    groups: Record<string, string | undefined>,
    headers: Headers,
    reply: (status: number, body: string | object | undefined, extra?: Record<string, string>) => void
  ) => {
    const app = options.app!
    const jwt = /^Bearer (.+)$/.exec(headers["authorization"] ?? "")?.[1] ?? ""
    jwts.push(jwt)
    const problem = jwtProblem(jwt, app, Math.floor(Date.now() / 1000))
    if (problem) {
      jwtRejections.push(problem)
      return reply(401, error(401, problem))
    }
    if (groups["installation"] !== undefined) {
      if (method !== "POST") return reply(404, error(404, "Not Found"))
      const id = Number(groups["installation"])
      if (!Object.values(app.installations).some((i) => i.id === id)) return reply(404, error(404, "Not Found"))
      const expiresAt = Date.now() + (app.tokenTtlSeconds ?? 3600) * 1000
      const token = `ghs_${randomBytes(18).toString("hex")}`
      issuedTokens.push({ token, installation: id, expiresAt })
      return reply(201, {
        token,
        expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
        permissions: { checks: "read", statuses: "read", metadata: "read" },
        repository_selection: "all"
      })
    }
    if (method !== "GET") return reply(404, error(404, "Not Found"))
    const owner = decode(groups["owner"] ?? "")
    const installation = installationOf(owner)
    const type = installation?.type ?? "Organization"
    if (installation === undefined || (groups["kind"] === "orgs") !== (type === "Organization")) return reply(404, error(404, "Not Found"))
    return reply(200, {
      id: installation.id,
      account: { login: owner, type },
      app_id: app.id,
      target_type: type,
      access_tokens_url: `${fake.url}${basePath}/app/installations/${installation.id}/access_tokens`
    })
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
        ...(options.rateLimitHeaders === false ? {} : {
          "x-ratelimit-limit": "5000",
          "x-ratelimit-remaining": String(Math.max(5000 - used, 0)),
          "x-ratelimit-reset": resetAt,
          "x-ratelimit-used": String(used),
          "x-ratelimit-resource": "core"
        }),
        "x-github-api-version-selected": "2022-11-28",
        etag
      }
      return notModified ? send(res, 304, undefined, { ...common, ...extra }) : send(res, status, body, { ...common, ...extra })
    }

    if (req.method === "POST" && (url.pathname === "/graphql" || url.pathname === "/api/graphql")) {
      used-- // GraphQL has its own budget of points
      // A bug in the fake must fail the test at once, not leave the request hanging.
      return void handleGraphQL(req, headers, reply).catch((e: unknown) => reply(500, { message: `fake GraphQL failed: ${String(e)}` }))
    }
    if (basePath !== "" && !url.pathname.startsWith(`${basePath}/`)) return reply(404, error(404, "Not Found"))
    const pathname = url.pathname.slice(basePath.length)
    const appCall = options.app !== undefined ? appRoute.exec(pathname)?.groups : undefined
    if (appCall) return handleApp(req.method ?? "GET", appCall, headers, reply)
    const listing = req.method === "GET" ? listRoute.exec(pathname)?.groups : undefined
    if (listing) return handleListing(listing["kind"] as "orgs" | "users", decode(listing["owner"] ?? ""), url, headers, reply)

    const groups = req.method === "GET" ? route.exec(pathname)?.groups : undefined
    const named = groups?.["id"] === undefined ? undefined : [...repoIds.values()].find((r) => String(r.id) === groups["id"])
    if (!groups || (groups["id"] !== undefined && !named)) return reply(404, error(404, "Not Found"))
    const owner = named?.owner ?? decode(groups["owner"] ?? "")
    const repo = named?.repo ?? decode(groups["repo"] ?? "")
    const ref = decode(groups["ref"] ?? "")
    const endpoint = groups["endpoint"] ?? "status"
    const movedTo = named ? undefined : Object.entries(options.renamed ?? {}).find(([old]) => old.toLowerCase() === `${owner}/${repo}`.toLowerCase())?.[1]
    if (movedTo !== undefined) {
      const [newOwner = "", newRepo = ""] = movedTo.split("/")
      const location = `${fake.url}${basePath}/repositories/${repoOf(newOwner, newRepo).id}/commits/${encodeURIComponent(ref)}/${endpoint}${url.search}`
      return reply(301, { message: "Moved Permanently", url: location, documentation_url: "https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects" }, { location })
    }

    const page = url.searchParams.get("page")
    const target = `${owner}/${repo}@${ref}:${endpoint}`
    const fault = takeFault(faults, page ? [`${target}?page=${page}`, target] : [target])
    if (fault) return fault.status === 0 ? undefined : fault.streamBytes !== undefined ? void streamFault(res, fault) : reply(fault.status, faultBody(fault, headers), fault.headers)

    const refused = refusal(headers, [owner])
    if (refused) return reply(refused[0], error(refused[0], refused[1]))
    const found = findTarget(owner, repo, ref)
    if (found === false) return reply(404, error(404, "Not Found"))
    if (found === true) return reply(422, error(422, `No commit found for SHA: ${ref}`))

    const sha = /^[0-9a-f]{40}$/.test(ref) ? ref : sha1(`${found.owner}/${found.repo}@${ref}`)
    if (endpoint === "status") return reply(200, statusBody(found.owner, found.repo, sha, found.spec))
    const all = endpoint === "check-runs" ? checkRuns(found.owner, found.repo, sha, found.spec) : checkSuites(found.owner, found.repo, ref, sha, found.spec)
    const linkBase = `${fake.url}${basePath}/repositories/${repoOf(owner, repo).id}/commits/${encodeURIComponent(ref)}/${endpoint}`
    const { items, link } = paginate(all, url.searchParams, linkBase)
    reply(200, { total_count: all.length, [endpoint === "check-runs" ? "check_runs" : "check_suites"]: items }, link ? { link } : {})
  }

  // --- repository listings (discovery) ---------------------------------------------------------

  const ownerType = (owner: string): "Organization" | "User" | undefined => {
    const named = Object.entries(options.owners ?? {}).find(([o]) => o.toLowerCase() === owner.toLowerCase())?.[1]
    if (named) return named
    return listedRepos().some((r) => r.owner.toLowerCase() === owner.toLowerCase()) ? "Organization" : undefined
  }
  /** Every repository known: those with refs, and those only listed. */
  const listedRepos = () => {
    const all = new Map<string, { owner: string; repo: string; spec: RepositorySpec }>()
    for (const key of repos.keys()) {
      const { owner, repo } = parseKey(key)
      const name = `${owner}/${repo}`.toLowerCase()
      if (!all.has(name)) all.set(name, { owner, repo, spec: {} })
    }
    for (const [name, spec] of Object.entries(options.repositories ?? {})) {
      const [owner = "", repo = ""] = name.split("/")
      all.set(name.toLowerCase(), { owner, repo, spec })
    }
    return [...all.values()]
  }
  const handleListing = (kind: "orgs" | "users", owner: string, url: URL, headers: Headers, reply: (status: number, body: string | object | undefined, extra?: Record<string, string>) => void) => {
    const page = url.searchParams.get("page")
    const key = `${kind}/${owner}/repos`
    const fault = takeFault(faults, page ? [`${key}?page=${page}`, key] : [key])
    if (fault) return fault.status === 0 ? undefined : reply(fault.status, faultBody(fault, headers), fault.headers)
    const refused = refusal(headers, [owner])
    if (refused) return reply(refused[0], error(refused[0], refused[1]))
    const type = ownerType(owner)
    if (type === undefined || (kind === "orgs" && type !== "Organization")) return reply(404, error(404, "Not Found"))
    const items = listedRepos()
      .filter((r) => r.owner.toLowerCase() === owner.toLowerCase())
      .sort((a, b) => a.repo.localeCompare(b.repo))
      .map((r) => ({
        ...repository(r.owner, r.repo),
        owner: { ...exampleRepository.owner, login: r.owner, type },
        private: r.spec.private ?? false,
        fork: r.spec.fork ?? false,
        archived: r.spec.archived ?? false,
        disabled: false,
        default_branch: r.spec.default_branch ?? "main",
        topics: r.spec.topics ?? []
      }))
    const { items: pageItems, link } = paginate(items, url.searchParams, `${fake.url}${url.pathname}`)
    reply(200, pageItems, link ? { link } : {})
  }

  // --- GraphQL ------------------------------------------------------------------------------------

  const graphqlLog: GraphQLQueryRecord[] = []
  const rate: RateLimitState = { limit: 5000, used: 0, resetAt: new Date(Number(resetAt) * 1000) }
  const shaOf = (owner: string, repo: string, ref: string) => (/^[0-9a-f]{40}$/.test(ref) ? ref : sha1(`${owner}/${repo}@${ref}`))
  const commitOf = (owner: string, repo: string, ref: string, spec: RefSpec): FakeCommit => {
    const sha = shaOf(owner, repo, ref)
    return {
      owner,
      repo,
      ref,
      sha,
      annotatedTag: spec.annotatedTag,
      status: () => statusBody(owner, repo, sha, spec),
      checkRuns: () => checkRuns(owner, repo, sha, spec),
      checkSuites: () => checkSuites(owner, repo, ref, sha, spec)
    }
  }
  const fieldErrors = new Map(Object.entries(options.graphqlErrors ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
  const graphqlData: GraphQLData = {
    repository: (owner, name) => {
      const known = repoIds.get(`${owner}/${name}`.toLowerCase())
      return known ? { owner: known.owner, repo: known.repo } : undefined
    },
    commit: (owner, repo, expression) => {
      const found = findTarget(owner, repo, expression)
      if (typeof found === "object") return commitOf(found.owner, found.repo, expression, found.spec)
      // A full commit id of one of the repository's refs.
      return graphqlData.commitByOid(owner, repo, expression)
    },
    commitByOid: (owner, repo, oid) => {
      for (const [key, spec] of repos) {
        const k = parseKey(key)
        if (`${k.owner}/${k.repo}`.toLowerCase() !== `${owner}/${repo}`.toLowerCase()) continue
        if (shaOf(k.owner, k.repo, k.ref) === oid) return commitOf(k.owner, k.repo, k.ref, spec)
      }
      return undefined
    },
    fieldError: (owner, repo, ref, field) => {
      const e = fieldErrors.get(ref === undefined ? `${owner}/${repo}`.toLowerCase() : `${owner}/${repo}@${ref}`.toLowerCase())
      return e && e.field === field ? e : undefined
    }
  }
  const handleGraphQL = async (
    req: http.IncomingMessage,
    headers: Headers,
    reply: (status: number, body: string | object | undefined, extra?: Record<string, string>) => void
  ) => {
    const text = await readBody(req)
    const graphqlHeaders = (remaining: number): Record<string, string> => options.rateLimitHeaders === false ? {} : ({
      "x-ratelimit-limit": String(rate.limit),
      "x-ratelimit-remaining": String(remaining),
      "x-ratelimit-reset": resetAt,
      "x-ratelimit-used": String(rate.used),
      "x-ratelimit-resource": "graphql"
    })
    const fault = takeFault(faults, ["graphql"])
    if (fault) return fault.status === 0 ? undefined : reply(fault.status, faultBody(fault, headers), { ...graphqlHeaders(rate.limit - rate.used), ...fault.headers })
    if (headers["authorization"] === undefined) {
      return reply(401, { message: "This endpoint requires you to be authenticated.", documentation_url: "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql" })
    }
    if (options.app !== undefined) {
      // An installation token reads its own installation's owners only.
      let owners: string[] = []
      try {
        const variables = (JSON.parse(text) as { variables?: Record<string, unknown> }).variables ?? {}
        owners = Object.entries(variables).filter(([k, v]) => /^o\d+$/.test(k) && typeof v === "string").map(([, v]) => v as string)
      } catch { /* answered below */ }
      const refused = refusal(headers, owners)
      if (refused) return refused[0] === 404 ? reply(403, error(403, "Resource not accessible by integration")) : reply(401, error(401, refused[1]))
    } else if (options.token !== undefined && headers["authorization"] !== `Bearer ${options.token}`) return reply(401, error(401, "Bad credentials"))
    const result = answerGraphQL(text, graphqlData, rate)
    let parsed: { query?: unknown; variables?: unknown } = {}
    try {
      parsed = JSON.parse(text) as typeof parsed
    } catch { /* recorded as empty */ }
    graphqlLog.push({
      query: typeof parsed.query === "string" ? parsed.query : "",
      variables: (parsed.variables ?? {}) as Record<string, unknown>,
      cost: result.cost,
      requests: result.requests,
      nodes: result.nodes,
      status: result.status
    })
    reply(result.status, result.body, graphqlHeaders(Math.max(0, rate.limit - rate.used)))
  }

  const server = await listen(handle, { tls: options.tls ?? false })
  const fake: FakeGitHub = {
    url: server.url,
    requests,
    graphql: graphqlLog,
    issuedTokens,
    jwts,
    jwtRejections,
    setRepo: addRepo,
    setFault: (key, fault) => {
      if (fault) faults.set(key, { ...fault })
      else faults.delete(key)
    },
    close: server.close
  }
  return fake
}
