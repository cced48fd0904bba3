import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Option, Redacted } from "effect"
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { inspect } from "node:util"
import type { ConfigFile } from "../../src/config/ConfigFile.ts"
import { decodeConfig } from "../../src/config/ConfigFile.ts"
import type { Overrides } from "../../src/config/Settings.ts"
import { ConfigError, loadSettings, toTargets } from "../../src/config/Settings.ts"
import { defaultFailOn } from "../../src/domain/Target.ts"

let root = ""
beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "gcm-settings-")))
})
afterAll(() => {
  if (root !== "") rmSync(root, { recursive: true, force: true })
})

/** A fresh directory under the test's temp root. */
let dirCount = 0
const freshDir = (...nested: ReadonlyArray<string>): string => {
  const dir = join(root, `d${++dirCount}`, ...nested)
  mkdirSync(dir, { recursive: true })
  return dir
}
const write = (file: string, text: string): string => {
  writeFileSync(file, text)
  return file
}

const yaml = (extra = "", checkName = "ci.ok") =>
  `check_name: ${checkName}\nrepos:\n  - { owner: acme, repo: api, ref: main }\n${extra}`

/** Loads the settings with exactly this environment (nothing from the real one) and the real file system. */
const load = (env: Record<string, string>, overrides: Overrides = {}) =>
  loadSettings(overrides).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
    Effect.provide(NodeContext.layer),
    Effect.provide(FetchHttpClient.layer)
  )

/** Runs `effect` with `dir` as the working directory, restoring it whatever happens. */
const inDir = <A, E, R>(dir: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const previous = process.cwd()
      process.chdir(dir)
      return previous
    }),
    () => effect,
    (previous) => Effect.sync(() => process.chdir(previous))
  )

const expectConfigError = (error: unknown): ConfigError => {
  expect(error).toBeInstanceOf(ConfigError)
  return error as ConfigError
}

describe("loadSettings: where the configuration comes from", () => {
  /** root/.github-ci-monitor.yml, and a working directory three levels below it. */
  const upward = () => {
    const top = freshDir()
    write(join(top, ".github-ci-monitor.yml"), yaml("", "from.upward"))
    const deep = join(top, "a", "b", "c")
    mkdirSync(deep, { recursive: true })
    return { top, deep }
  }

  it.effect("--config FILE wins over CONFIG and over a file found upwards", () =>
    Effect.gen(function*() {
      const { deep } = upward()
      const flagFile = write(join(freshDir(), "explicit.yaml"), yaml("", "from.flag"))
      const settings = yield* inDir(deep, load({ CONFIG: yaml("", "from.env") }, { configPath: flagFile }))
      expect(settings.checkName).toBe("from.flag")
      expect(settings.configSource).toBe(flagFile)
    }))

  it.effect("CONFIG wins over a file found upwards", () =>
    Effect.gen(function*() {
      const { deep } = upward()
      const settings = yield* inDir(deep, load({ CONFIG: yaml("", "from.env") }))
      expect(settings.checkName).toBe("from.env")
      expect(settings.configSource).toMatch(/CONFIG/)
    }))

  it.effect(".github-ci-monitor.yml is found in a parent directory", () =>
    Effect.gen(function*() {
      const { top, deep } = upward()
      const settings = yield* inDir(deep, load({}))
      expect(settings.checkName).toBe("from.upward")
      expect(settings.configSource).toBe(join(top, ".github-ci-monitor.yml"))
    }))

  it.effect("the working directory is restored after the upward search", () =>
    Effect.gen(function*() {
      const before = process.cwd()
      const { deep } = upward()
      yield* inDir(deep, load({}))
      expect(process.cwd()).toBe(before)
    }))

  it.effect("an empty CONFIG counts as unset and the file found upwards is used", () =>
    Effect.gen(function*() {
      const { deep } = upward()
      const settings = yield* inDir(deep, load({ CONFIG: "" }))
      expect(settings.checkName).toBe("from.upward")
    }))

  it.effect("the nearest file wins over one further up, and .yaml is found too", () =>
    Effect.gen(function*() {
      const { top, deep } = upward()
      write(join(top, "a", ".github-ci-monitor.yaml"), yaml("", "from.nearer"))
      const settings = yield* inDir(deep, load({}))
      expect(settings.checkName).toBe("from.nearer")
      expect(settings.configSource).toBe(join(top, "a", ".github-ci-monitor.yaml"))
    }))

  it.effect("a file in the working directory itself is found", () =>
    Effect.gen(function*() {
      const dir = freshDir()
      write(join(dir, ".github-ci-monitor.yml"), yaml("", "from.here"))
      expect((yield* inDir(dir, load({}))).checkName).toBe("from.here")
    }))

  it.effect("CONFIG holding YAML with flow mappings and commas is read whole", () =>
    Effect.gen(function*() {
      const settings = yield* load({
        CONFIG: "tags: { team: sre, env: prod }\nrepos: [{ owner: acme, repo: api, ref: main }, { owner: acme, repo: web, ref: main }]\n"
      })
      expect(settings.targets.map((t) => `${t.owner}/${t.repo}`)).toEqual(["acme/api", "acme/web"])
      expect(settings.globalTags).toEqual(["team:sre", "env:prod"])
    }))

  it.effect("CONFIG holding JSON works", () =>
    Effect.gen(function*() {
      const settings = yield* load({ CONFIG: JSON.stringify({ repos: [{ owner: "acme", repo: "api", ref: "main" }], check_name: "json.ok" }) })
      expect(settings.checkName).toBe("json.ok")
    }))

  it.effect("a missing --config file is a ConfigError that says the file is not found", () =>
    Effect.gen(function*() {
      const missing = join(freshDir(), "nope.yml")
      const error = expectConfigError(yield* Effect.flip(load({ CONFIG: yaml() }, { configPath: missing })))
      expect(error.source).toBe(missing)
      expect(error.problems.join("\n")).toMatch(/not found/)
      expect(error.message).toContain(missing)
    }))

  it.effect("no configuration anywhere is a ConfigError telling how to provide one", () =>
    Effect.gen(function*() {
      const empty = freshDir("x", "y")
      const error = expectConfigError(yield* Effect.flip(inDir(empty, load({}))))
      const text = error.problems.join("\n")
      expect(text).toContain("--config")
      expect(text).toContain("CONFIG")
      expect(text).toContain(".github-ci-monitor.yml")
    }))

  it.effect("a configuration with problems is a ConfigError naming its source and every problem with its path", () =>
    Effect.gen(function*() {
      const file = write(join(freshDir(), "bad.yml"), "repos:\n  - { owner: acme, ref: main }\nconcurrency: 0\n")
      const error = expectConfigError(yield* Effect.flip(load({}, { configPath: file })))
      expect(error.source).toBe(file)
      expect(error.problems).toContain("repos[0].repo: is missing")
      expect(error.problems.some((p) => p.startsWith("concurrency: "))).toBe(true)
      expect(error.message).toContain("repos[0].repo: is missing")
    }))
})

describe("loadSettings: flags, environment and file", () => {
  const fileWith = (extra: string) => write(join(freshDir(), "config.yml"), yaml(extra))

  it.effect("defaults: GitHub.com, datadoghq.com, ci.ok, github_ci_monitor.up, failing 1 (WARNING), concurrency 10", () =>
    Effect.gen(function*() {
      const settings = yield* load({ CONFIG: "repos: [{ owner: acme, repo: api, ref: main }]" })
      expect(settings.github.apiUrl).toBe("https://api.github.com")
      expect(settings.datadog.site).toBe("datadoghq.com")
      expect(settings.datadog.apiUrl).toBe("https://api.datadoghq.com")
      expect(settings.checkName).toBe("ci.ok")
      expect(settings.selfCheckName).toBe("github_ci_monitor.up")
      expect(settings.failingStatus).toBe(1)
      expect(settings.concurrency).toBe(10)
      expect(Option.isNone(settings.github.token)).toBe(true)
      expect(Option.isNone(settings.datadog.apiKey)).toBe(true)
    }))

  it.effect("the file's settings are used when nothing else is given", () =>
    Effect.gen(function*() {
      const file = fileWith(
        "failing_status: 2\nconcurrency: 3\nself_check_name: my.up\ngithub_api_url: https://ghe.example.com/api/v3\ndd_site: us5.datadoghq.com\n"
      )
      const settings = yield* load({}, { configPath: file })
      expect(settings.failingStatus).toBe(2)
      expect(settings.concurrency).toBe(3)
      expect(settings.selfCheckName).toBe("my.up")
      expect(settings.github.apiUrl).toBe("https://ghe.example.com/api/v3")
      expect(settings.datadog.apiUrl).toBe("https://api.us5.datadoghq.com")
    }))

  it.effect("github_api_url: flag beats GITHUB_API_URL beats the file; a trailing slash is dropped", () =>
    Effect.gen(function*() {
      const file = fileWith("github_api_url: https://file.example.com/api/v3\n")
      const env = { GITHUB_API_URL: "https://env.example.com/api/v3/" }
      const flag = { configPath: file, githubApiUrl: "https://flag.example.com/api/v3" }
      expect((yield* load(env, flag)).github.apiUrl).toBe("https://flag.example.com/api/v3")
      expect((yield* load(env, { configPath: file })).github.apiUrl).toBe("https://env.example.com/api/v3")
      expect((yield* load({}, { configPath: file })).github.apiUrl).toBe("https://file.example.com/api/v3")
      expect((yield* load({ GITHUB_API_URL: "" }, { configPath: file })).github.apiUrl).toBe("https://file.example.com/api/v3")
    }))

  it.effect("dd_site: flag beats DD_SITE beats the file, and the API URL follows the site", () =>
    Effect.gen(function*() {
      const file = fileWith("dd_site: us3.datadoghq.com\n")
      const env = { DD_SITE: "us5.datadoghq.com" }
      const both = yield* load(env, { configPath: file, ddSite: "ap1.datadoghq.com" })
      expect([both.datadog.site, both.datadog.apiUrl]).toEqual(["ap1.datadoghq.com", "https://api.ap1.datadoghq.com"])
      const fromEnv = yield* load(env, { configPath: file })
      expect([fromEnv.datadog.site, fromEnv.datadog.apiUrl]).toEqual(["us5.datadoghq.com", "https://api.us5.datadoghq.com"])
      const fromFile = yield* load({}, { configPath: file })
      expect([fromFile.datadog.site, fromFile.datadog.apiUrl]).toEqual(["us3.datadoghq.com", "https://api.us3.datadoghq.com"])
    }))

  it.effect("dd_api_url: flag beats DD_API_URL beats the file", () =>
    Effect.gen(function*() {
      const file = fileWith("dd_api_url: http://file.example.com:8080\n")
      const env = { DD_API_URL: "http://127.0.0.1:9999/" }
      expect((yield* load(env, { configPath: file, ddApiUrl: "https://proxy.example.com/dd" })).datadog.apiUrl).toBe(
        "https://proxy.example.com/dd"
      )
      expect((yield* load(env, { configPath: file })).datadog.apiUrl).toBe("http://127.0.0.1:9999")
      expect((yield* load({}, { configPath: file })).datadog.apiUrl).toBe("http://file.example.com:8080")
    }))

  it.effect("concurrency: the flag beats the file, the file beats the default", () =>
    Effect.gen(function*() {
      const file = fileWith("concurrency: 25\n")
      expect((yield* load({}, { configPath: file, concurrency: 50 })).concurrency).toBe(50)
      expect((yield* load({}, { configPath: file })).concurrency).toBe(25)
    }))

  it.effect("DD_API_URL wins over DD_SITE", () =>
    Effect.gen(function*() {
      const settings = yield* load({ CONFIG: yaml(), DD_SITE: "datadoghq.eu", DD_API_URL: "http://127.0.0.1:8126" })
      expect(settings.datadog.apiUrl).toBe("http://127.0.0.1:8126")
    }))

  it.effect("DD_SITE=datadoghq.eu sends to https://api.datadoghq.eu", () =>
    Effect.gen(function*() {
      const settings = yield* load({ CONFIG: yaml(), DD_SITE: "datadoghq.eu" })
      expect(settings.datadog.site).toBe("datadoghq.eu")
      expect(settings.datadog.apiUrl).toBe("https://api.datadoghq.eu")
    }))

  it.effect("an empty DD_SITE counts as unset", () =>
    Effect.gen(function*() {
      expect((yield* load({ CONFIG: yaml(), DD_SITE: "" })).datadog.apiUrl).toBe("https://api.datadoghq.com")
    }))

  it.effect("an unknown DD_SITE is a ConfigError naming DD_SITE and the value", () =>
    Effect.gen(function*() {
      const error = expectConfigError(yield* Effect.flip(load({ CONFIG: yaml(), DD_SITE: "datadoghq.de" })))
      const problem = error.problems.find((p) => p.startsWith("DD_SITE"))
      expect(problem).toBeDefined()
      expect(problem).toContain("datadoghq.de")
    }))

  it.effect("an unknown --dd-site is a ConfigError too", () =>
    Effect.gen(function*() {
      const error = expectConfigError(yield* Effect.flip(load({ CONFIG: yaml() }, { ddSite: "datadog.com" })))
      expect(error.problems.join("\n")).toContain("datadog.com")
    }))

  it.effect("a GITHUB_API_URL that is not a URL is a ConfigError naming GITHUB_API_URL", () =>
    Effect.gen(function*() {
      const error = expectConfigError(yield* Effect.flip(load({ CONFIG: yaml(), GITHUB_API_URL: "ghe.example.com" })))
      expect(error.problems.some((p) => p.startsWith("GITHUB_API_URL") && p.includes("ghe.example.com"))).toBe(true)
    }))

  it.effect("a DD_API_URL that is not a URL is a ConfigError naming DD_API_URL", () =>
    Effect.gen(function*() {
      const error = expectConfigError(yield* Effect.flip(load({ CONFIG: yaml(), DD_API_URL: "localhost:8126" })))
      expect(error.problems.some((p) => p.startsWith("DD_API_URL"))).toBe(true)
    }))

  it.effect("bad GITHUB_API_URL and DD_SITE are reported at once", () =>
    Effect.gen(function*() {
      const error = expectConfigError(
        yield* Effect.flip(load({ CONFIG: yaml(), GITHUB_API_URL: "nope", DD_SITE: "nope.example" }))
      )
      expect(error.problems.some((p) => p.startsWith("GITHUB_API_URL"))).toBe(true)
      expect(error.problems.some((p) => p.startsWith("DD_SITE"))).toBe(true)
    }))
})

describe("loadSettings: secrets", () => {
  const githubSecret = "ghp_SuperSecretToken1234567890"
  const ddSecret = "dd0123456789abcdefSECRET"

  const expectHidden = (value: unknown) => {
    for (const text of [String(value), JSON.stringify(value), inspect(value, { depth: 10 })]) {
      expect(text).not.toContain(githubSecret)
      expect(text).not.toContain(ddSecret)
    }
  }

  it.effect("GITHUB_TOKEN and DD_API_KEY are read as Redacted and never shown", () =>
    Effect.gen(function*() {
      const settings = yield* load({ CONFIG: yaml(), GITHUB_TOKEN: githubSecret, DD_API_KEY: ddSecret })
      expect(Option.map(settings.github.token, Redacted.value)).toEqual(Option.some(githubSecret))
      expect(Option.map(settings.datadog.apiKey, Redacted.value)).toEqual(Option.some(ddSecret))
      expectHidden(settings)
      expectHidden(settings.github.token)
      expectHidden(settings.datadog.apiKey)
      expectHidden(settings.github)
      expect(String(settings.github.token)).not.toBe("")
    }))

  it.effect("GITHUB_ACCESS_TOKEN and DATADOG_API_KEY are read when the first names are not set", () =>
    Effect.gen(function*() {
      const settings = yield* load({ CONFIG: yaml(), GITHUB_ACCESS_TOKEN: githubSecret, DATADOG_API_KEY: ddSecret })
      expect(Option.map(settings.github.token, Redacted.value)).toEqual(Option.some(githubSecret))
      expect(Option.map(settings.datadog.apiKey, Redacted.value)).toEqual(Option.some(ddSecret))
      expectHidden(settings)
    }))

  it.effect("GITHUB_TOKEN wins over GITHUB_ACCESS_TOKEN, DD_API_KEY over DATADOG_API_KEY", () =>
    Effect.gen(function*() {
      const settings = yield* load({
        CONFIG: yaml(),
        GITHUB_TOKEN: "first-token",
        GITHUB_ACCESS_TOKEN: "second-token",
        DD_API_KEY: "first-key",
        DATADOG_API_KEY: "second-key"
      })
      expect(Option.map(settings.github.token, Redacted.value)).toEqual(Option.some("first-token"))
      expect(Option.map(settings.datadog.apiKey, Redacted.value)).toEqual(Option.some("first-key"))
    }))

  it.effect("an empty GITHUB_TOKEN or DD_API_KEY counts as unset: the other name is used", () =>
    Effect.gen(function*() {
      const settings = yield* load({
        CONFIG: yaml(),
        GITHUB_TOKEN: "",
        GITHUB_ACCESS_TOKEN: githubSecret,
        DD_API_KEY: "",
        DATADOG_API_KEY: ddSecret
      })
      expect(Option.map(settings.github.token, Redacted.value)).toEqual(Option.some(githubSecret))
      expect(Option.map(settings.datadog.apiKey, Redacted.value)).toEqual(Option.some(ddSecret))
    }))

  it.effect("empty (or blank) secrets alone mean no secret: no token, and checks are printed instead of sent", () =>
    Effect.gen(function*() {
      const settings = yield* load({ CONFIG: yaml(), GITHUB_TOKEN: "", GITHUB_ACCESS_TOKEN: "  ", DD_API_KEY: "", DATADOG_API_KEY: "" })
      expect(Option.isNone(settings.github.token)).toBe(true)
      expect(Option.isNone(settings.datadog.apiKey)).toBe(true)
    }))

  it.effect("a ConfigError does not carry a secret set in the environment", () =>
    Effect.gen(function*() {
      const error = expectConfigError(
        yield* Effect.flip(load({ CONFIG: "repos: []", GITHUB_TOKEN: githubSecret, DD_API_KEY: ddSecret, DD_SITE: "x" }))
      )
      expect(error.message).not.toContain(githubSecret)
      expect(error.message).not.toContain(ddSecret)
    }))
})

describe("toTargets", () => {
  const config = (input: unknown): ConfigFile => {
    const result = decodeConfig(input)
    if (Either.isLeft(result)) throw new Error(result.left.join("\n"))
    return result.right
  }
  const repo = (over: Record<string, unknown> = {}) => ({ owner: "acme", repo: "api", ref: "main", ...over })

  it("turns all three sources on when none is named", () => {
    expect(toTargets(config({ repos: [repo()] }))[0]?.sources).toEqual({ status: true, check_runs: true, check_suites: true })
  })

  it("naming one source turns the others off", () => {
    const [status, runs, suites, two] = toTargets(config({
      repos: [
        repo({ ref: "a", status: true }),
        repo({ ref: "b", check_run: true }),
        repo({ ref: "c", check_suite: true }),
        repo({ ref: "d", check_run: true, check_suite: true, status: false })
      ]
    }))
    expect(status?.sources).toEqual({ status: true, check_runs: false, check_suites: false })
    expect(runs?.sources).toEqual({ status: false, check_runs: true, check_suites: false })
    expect(suites?.sources).toEqual({ status: false, check_runs: false, check_suites: true })
    expect(two?.sources).toEqual({ status: false, check_runs: true, check_suites: true })
  })

  it("keeps owner, repo and ref as written, slashes included", () => {
    const [target] = toTargets(config({ repos: [repo({ owner: "Acme", repo: "API", ref: "release/v2" })] }))
    expect([target?.owner, target?.repo, target?.ref]).toEqual(["Acme", "API", "release/v2"])
  })

  it("puts global tags on every target, and a target's tag replaces a global tag of the same name", () => {
    const targets = toTargets(config({
      tags: { team: "platform", env: "prod" },
      repos: [repo({ tags: { team: "sre", service: "api" } }), repo({ repo: "web" })]
    }))
    expect(targets[0]?.tags).toEqual(expect.arrayContaining(["team:sre", "env:prod", "service:api"]))
    expect(targets[0]?.tags).not.toContain("team:platform")
    expect(targets[0]?.tags).toHaveLength(3)
    expect(targets[1]?.tags).toEqual(["team:platform", "env:prod"])
  })

  it("writes number and boolean tag values as text", () => {
    expect(toTargets(config({ tags: { tier: 1 }, repos: [repo({ tags: { critical: true } })] }))[0]?.tags).toEqual([
      "tier:1",
      "critical:true"
    ])
  })

  it("fail_on: a target's own beats the global one, the global one beats the default", () => {
    const targets = toTargets(config({
      fail_on: ["failure", "cancelled"],
      repos: [repo({ fail_on: ["timed_out"] }), repo({ repo: "web" })]
    }))
    expect(targets[0]?.failOn).toEqual(["timed_out"])
    expect(targets[1]?.failOn).toEqual(["failure", "cancelled"])
    expect(toTargets(config({ repos: [repo()] }))[0]?.failOn).toEqual(defaultFailOn)
  })

  it.effect("loadSettings resolves the same targets and the global tags", () =>
    Effect.gen(function*() {
      const settings = yield* load({
        CONFIG: "tags: { sender: github-ci-monitor }\nrepos:\n  - { owner: acme, repo: api, ref: main, check_run: true, tags: { codeowner: sre } }\n"
      })
      expect(settings.globalTags).toEqual(["sender:github-ci-monitor"])
      expect(settings.targets).toEqual([{
        owner: "acme",
        repo: "api",
        ref: "main",
        sources: { status: false, check_runs: true, check_suites: false },
        failOn: defaultFailOn,
        tags: ["sender:github-ci-monitor", "codeowner:sre"]
      }])
    }))
})
