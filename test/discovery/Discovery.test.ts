/**
 * Whole owners (`repo: "*"`): listing an organization or a user over REST (all pages), the
 * filters, the settings that expand them (with sharding), and the list kept between cycles.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Either, Layer, Logger, TestClock } from "effect"
import { decodeConfig } from "../../src/config/ConfigFile.ts"
import type { Overrides } from "../../src/config/Settings.ts"
import { ConfigError, loadSettings } from "../../src/config/Settings.ts"
import type { ListedRepository, OwnerSelector } from "../../src/discovery/Discovery.ts"
import { distrust, listRepositories, mergeTargets, TargetList, targetsOf } from "../../src/discovery/Discovery.ts"
import { inShard } from "../../src/domain/Shard.ts"
import { defaultFailOn } from "../../src/domain/Target.ts"
import type { RepositorySpec } from "../support/FakeGitHub.ts"
import { clientLayer, fakeGitHub, TOKEN } from "../graphql/support.ts"

const all = { status: true, check_runs: true, check_suites: true }
const selector = (over: Partial<OwnerSelector> = {}): OwnerSelector => ({
  entry: 0,
  owner: "acme",
  topics: [],
  exclude: [],
  includeArchived: false,
  includeForks: false,
  sources: all,
  failOn: defaultFailOn,
  tags: [],
  ...over
})
const listed = (name: string, over: Partial<ListedRepository> = {}): ListedRepository => ({
  name,
  owner: { login: "acme" },
  default_branch: "main",
  archived: false,
  fork: false,
  topics: [],
  ...over
})

describe("targetsOf: which repositories a whole-owner entry keeps", () => {
  const repos = [
    listed("api", { topics: ["ci-watch", "go"] }),
    listed("web", { default_branch: "trunk", topics: ["CI-Watch"] }),
    listed("old", { archived: true, topics: ["ci-watch"] }),
    listed("mirror", { fork: true }),
    listed("legacy-billing"),
    listed("legacy-auth"),
    listed("off", { disabled: true })
  ]
  const names = (s: OwnerSelector) => targetsOf(s, repos).map((t) => `${t.repo}@${t.ref}`)

  it("by default: every repository on its default branch, without archived, forks or disabled ones", () => {
    expect(names(selector())).toEqual(["api@main", "legacy-auth@main", "legacy-billing@main", "web@trunk"])
  })

  it("topics keep repositories with any of them (case-insensitive)", () => {
    expect(names(selector({ topics: ["ci-watch"] }))).toEqual(["api@main", "web@trunk"])
    expect(names(selector({ topics: ["ci-watch"], includeArchived: true }))).toEqual(["api@main", "old@main", "web@trunk"])
  })

  it("exclude takes names and * patterns; forks on request; a ref for all", () => {
    expect(names(selector({ exclude: ["legacy-*", "WEB"], includeForks: true, ref: "release" }))).toEqual(["api@release", "mirror@release"])
  })

  it("named targets win over discovered ones of the same repository and ref", () => {
    const named = [{ owner: "ACME", repo: "Api", ref: "main", sources: all, failOn: defaultFailOn, tags: ["mine:yes"] }]
    const merged = mergeTargets(named, [targetsOf(selector(), repos)])
    expect(merged.filter((t) => t.repo.toLowerCase() === "api")).toEqual(named)
    expect(merged).toHaveLength(4)
  })
})

describe("a listing is outside input: repositories discovery does not trust are dropped", () => {
  it("another owner's repository (case-insensitively), a bad name or a bad default branch", () => {
    const repos = [
      listed("api"),
      listed("web", { owner: { login: "ACME" } }),
      listed("secrets", { owner: { login: "evil" } }),
      listed(".."),
      listed("."),
      listed("a/b"),
      listed("x\ny"),
      listed("sneaky", { default_branch: "../../../user" }),
      listed("newline", { default_branch: "main\nx" })
    ]
    expect(targetsOf(selector(), repos).map((t) => `${t.owner}/${t.repo}@${t.ref}`)).toEqual(["acme/api@main", "ACME/web@main"])
    // With a ref of the entry's own, the listed default branch does not matter.
    expect(targetsOf(selector({ ref: "release" }), repos).map((t) => t.repo)).toEqual(["api", "newline", "sneaky", "web"])
  })

  it("says why, with the listed values escaped and cut", () => {
    expect(distrust("acme", listed("secrets", { owner: { login: "evil" } }))).toBe(`its owner is "evil", not acme`)
    expect(distrust("acme", listed(".."))).toBe(`its name must not be "." or ".." (got "..")`)
    expect(distrust("acme", listed("x", { default_branch: `a\n${"b".repeat(1000)}` }))).toMatch(/^its default branch must be a git ref name .*\(got "a\\nb+"… \(1002 characters\)\)$/)
    expect(distrust("Acme", listed("api", { owner: { login: "aCME" } }))).toBeUndefined()
  })
})

const many = (n: number, owner = "acme"): Record<string, RepositorySpec> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${owner}/svc-${String(i).padStart(3, "0")}`, {}]))

describe("listRepositories", () => {
  it.scoped("an organization: every page (230 repositories)", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: {}, repositories: many(230) })
      const repos = yield* listRepositories("acme").pipe(Effect.provide(clientLayer(gh.url)))
      expect(repos).toHaveLength(230)
      expect(gh.requests.map((r) => `${r.path}?${new URLSearchParams(r.query)}`)).toEqual([
        "/orgs/acme/repos?per_page=100&type=all",
        "/orgs/acme/repos?per_page=100&type=all&page=2",
        "/orgs/acme/repos?per_page=100&type=all&page=3"
      ])
    }))

  it.scoped("a user: /orgs answers 404, so /users is asked", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: { "octocat/hello@main": {} }, owners: { octocat: "User" } })
      const repos = yield* listRepositories("octocat").pipe(Effect.provide(clientLayer(gh.url)))
      expect(repos.map((r) => r.name)).toEqual(["hello"])
      expect(gh.requests.map((r) => r.path)).toEqual(["/orgs/octocat/repos", "/users/octocat/repos"])
    }))

  it.scoped("nobody by that name: not_found, saying so", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: {} })
      const error = yield* Effect.flip(listRepositories("nobody").pipe(Effect.provide(clientLayer(gh.url))))
      expect(error).toMatchObject({ reason: "not_found" })
      expect(error.detail).toContain("no organization or user nobody")
    }))
})

/** The settings with exactly this environment, against the fake GitHub. */
const load = (env: Record<string, string>, overrides: Overrides = {}) =>
  loadSettings(overrides).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
    Effect.provide(NodeContext.layer),
    Effect.provide(FetchHttpClient.layer)
  )

describe("settings with repo: \"*\"", () => {
  it.scoped("expand to the owner's repositories, after the named targets, sharded when asked", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({
        repos: {},
        repositories: { ...many(40), "acme/archived": { archived: true }, "acme/api": { default_branch: "trunk" } }
      })
      const config = JSON.stringify({
        tags: { team: "sre" },
        repos: [
          { owner: "acme", repo: "api", ref: "trunk", tags: { tier: 1 } },
          { owner: "acme", repo: "*", check_suite: false, check_run: true, tags: { found: "yes" } }
        ]
      })
      const env = { CONFIG: config, GITHUB_API_URL: gh.url, GITHUB_TOKEN: TOKEN }
      const settings = yield* load(env)
      expect(settings.targets).toHaveLength(41)
      expect(settings.targets[0]).toMatchObject({ repo: "api", ref: "trunk", tags: ["team:sre", "tier:1"] })
      expect(settings.targets[1]).toMatchObject({ repo: "svc-000", ref: "main", tags: ["team:sre", "found:yes"], sources: { status: false, check_runs: true, check_suites: false } })
      expect(settings.targets.some((t) => t.repo === "archived")).toBe(false)

      const shards = yield* Effect.forEach([1, 2, 3], (k) => load(env, { shard: `${k}/3` }))
      const keys = shards.flatMap((s) => s.targets.map((t) => `${t.repo}@${t.ref}`))
      expect(new Set(keys).size).toBe(41)
      expect(keys).toHaveLength(41)
      shards.forEach((s, k) => expect(s.targets.every(inShard({ index: k + 1, count: 3 }))).toBe(true))
    }))

  it.scoped("an owner that cannot be listed, or with nothing to watch, is a problem of its entry", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: {}, repositories: { "acme/api": { topics: ["go"] } } })
      const config = JSON.stringify({
        repos: [{ owner: "nobody", repo: "*" }, { owner: "acme", repo: "*", topics: ["rust"] }]
      })
      const error = yield* Effect.flip(load({ CONFIG: config, GITHUB_API_URL: gh.url, GITHUB_TOKEN: TOKEN }))
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).problems).toEqual([
        "repos[0]: could not list the repositories of nobody: no organization or user nobody on GitHub (or the token cannot see it)",
        "repos[1]: acme has no repository to watch (topics rust; archived left out; forks left out)"
      ])
    }))

  it.scoped("a listing that names another owner's repository: dropped, with a warning, and nothing is asked of it", () =>
    Effect.gen(function*() {
      const repository = (owner: string, name: string, over: Record<string, unknown> = {}) => ({
        name,
        owner: { login: owner },
        default_branch: "main",
        archived: false,
        disabled: false,
        fork: false,
        topics: [],
        ...over
      })
      const gh = yield* fakeGitHub({
        repos: {},
        repositories: { "acme/api": {} },
        faults: {
          "orgs/acme/repos": {
            status: 200,
            body: [
              repository("acme", "api"),
              repository("evil", "secrets"),
              repository("acme", ".."),
              repository("acme", "web", { default_branch: "../../../orgs/evil" })
            ]
          }
        }
      })
      const logs: Array<string> = []
      const capture = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => logs.push(String(message))))
      const settings = yield* load({ CONFIG: JSON.stringify({ repos: [{ owner: "acme", repo: "*" }] }), GITHUB_API_URL: gh.url, GITHUB_TOKEN: TOKEN }).pipe(
        Effect.provide(capture)
      )
      expect(settings.targets.map((t) => `${t.owner}/${t.repo}@${t.ref}`)).toEqual(["acme/api@main"])
      expect(logs).toEqual([
        `discovery: 3 repositories listed for acme dropped: "secrets": its owner is "evil", not acme; "..": its name must not be "." or ".." (got ".."); "web": its default branch must be a git ref name or a commit SHA: it contains ".." (got "../../../orgs/evil")`
      ])
      expect(gh.requests.map((r) => r.path)).toEqual(["/orgs/acme/repos"])
    }))

  it.effect("no GitHub is asked when no entry is a whole owner", () =>
    Effect.gen(function*() {
      const settings = yield* load({ CONFIG: "repos: [{ owner: acme, repo: api, ref: main }]\n", GITHUB_API_URL: "http://127.0.0.1:9" })
      expect(settings.targets).toHaveLength(1)
      expect(settings.api).toBe("rest")
      expect(settings.graphqlBatchSize).toBe(50)
      expect(settings.discoveryInterval).toEqual(Duration.hours(1))
    }))

  it.effect("--api and --shard win over the file; bad values are reported with their flag", () =>
    Effect.gen(function*() {
      const file = "api: graphql\ngraphql_batch_size: 25\nshard: 1/2\ndiscovery_interval: 30m\nrepos: [{ owner: acme, repo: api, ref: main }]\n"
      // GraphQL needs a token (without one, a configuration error).
      const fromFile = yield* load({ CONFIG: file, GITHUB_TOKEN: TOKEN })
      expect(fromFile).toMatchObject({ api: "graphql", graphqlBatchSize: 25, shard: { index: 1, count: 2 } })
      expect(fromFile.discoveryInterval).toEqual(Duration.minutes(30))
      const flags = yield* load({ CONFIG: file }, { api: "rest", shard: "2/2" })
      expect(flags).toMatchObject({ api: "rest", shard: { index: 2, count: 2 } })
      const bad = yield* Effect.flip(load({ CONFIG: file, GITHUB_TOKEN: TOKEN }, { api: "soap", shard: "3/2" }))
      expect((bad as ConfigError).problems).toEqual([
        "--api: must be rest or graphql (got \"soap\")",
        expect.stringMatching(/^--shard: must be K\/N/)
      ])
    }))
})

describe("the configuration file's new keys", () => {
  const problems = (input: unknown) => Either.match(decodeConfig(input), { onLeft: (p) => p, onRight: () => [] })

  it("a whole owner needs no ref; one repository still does", () => {
    expect(problems({ repos: [{ owner: "acme", repo: "*", topics: ["ci"], exclude: ["x-*"], include_archived: true, include_forks: false }] })).toEqual([])
    expect(problems({ repos: [{ owner: "acme", repo: "api" }] })).toEqual(["repos[0].ref: is missing"])
  })

  it("the whole-owner keys on one repository are reported", () => {
    expect(problems({ repos: [{ owner: "acme", repo: "api", ref: "main", topics: ["ci"], include_forks: true }] })).toEqual([
      "repos[0].topics: only applies to a whole owner (repo: \"*\")",
      "repos[0].include_forks: only applies to a whole owner (repo: \"*\")"
    ])
  })

  it.each([
    ["api", "soap", /rest or graphql/],
    ["graphql_batch_size", 0, /1 to 100/],
    ["graphql_batch_size", 101, /1 to 100/],
    ["shard", "9/8", /K\/N/],
    ["shard", 2, /./],
    ["discovery_interval", "soon", /duration/]
  ])("%s: %j is reported at its path", (key, value, message) => {
    const list = problems({ repos: [{ owner: "acme", repo: "api", ref: "main" }], [key]: value })
    expect(list).toHaveLength(1)
    expect(list[0]).toMatch(new RegExp(`^${key}: `))
    expect(list[0]).toMatch(message)
  })
})

describe("TargetList: discovery kept between cycles", () => {
  it.scoped("from the settings: the targets they were read with, until the interval has passed", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: {}, repositories: many(5) })
      const config = JSON.stringify({ discovery_interval: "10m", shard: "1/1", repos: [{ owner: "acme", repo: "api", ref: "dev" }, { owner: "acme", repo: "*" }] })
      const settings = yield* load({ CONFIG: config, GITHUB_API_URL: gh.url, GITHUB_TOKEN: TOKEN })
      const list = yield* Effect.provide(TargetList, TargetList.fromSettings(settings).pipe(Layer.provide(clientLayer(gh.url))))
      const before = gh.requests.length
      expect(yield* list.current).toEqual(settings.targets)
      expect(gh.requests.length).toBe(before)
      yield* TestClock.adjust("10 minutes")
      expect((yield* list.current).map((t) => `${t.repo}@${t.ref}`)).toEqual(settings.targets.map((t) => `${t.repo}@${t.ref}`))
      expect(gh.requests.length).toBe(before + 1)
    }))

  it.scoped("looks again only after the interval, and keeps the last list when a look fails", () =>
    Effect.gen(function*() {
      const gh = yield* fakeGitHub({ repos: {}, repositories: many(3) })
      const layer = TargetList.layer({ named: [], owners: [selector()], interval: "1 hour" }).pipe(Layer.provide(clientLayer(gh.url)))
      const list = yield* Effect.provide(TargetList, layer)
      const listings = () => gh.requests.filter((r) => r.path === "/orgs/acme/repos").length
      expect(yield* list.current).toHaveLength(3)
      expect(listings()).toBe(1)
      gh.setRepo("acme/new-one@main", {})
      yield* TestClock.adjust("59 minutes")
      expect(yield* list.current).toHaveLength(3)
      expect(listings()).toBe(1)
      yield* TestClock.adjust("1 minute")
      expect((yield* list.current).map((t) => t.repo)).toContain("new-one")
      expect(listings()).toBe(2)
      gh.setFault("orgs/acme/repos", { status: 401, body: { message: "Bad credentials" } })
      yield* TestClock.adjust("1 hour")
      expect(yield* list.current).toHaveLength(4)
      expect(listings()).toBe(3)
    }))
})
