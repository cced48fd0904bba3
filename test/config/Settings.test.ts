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
import { parseSecret, SecretError, SecretStore } from "../../src/config/SecretsManager.ts"
import { startFakeSecretsManager } from "../support/FakeSecretsManager.ts"
import { scrub } from "../../src/domain/Scrub.ts"
import { defaultFailOn } from "../../src/domain/Target.ts"
import { keyPair } from "../app/support.ts"

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

/** Raw control characters (C0, DEL, C1, U+2028/9): none may reach a terminal in a message. */
const rawControl = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

describe("loadSettings: a secret with a control character is refused, naming where it came from", () => {
  const secret = "ghp_NotToBeShown0123456789"
  const bad = [
    ["a line break", `${secret}\nx`],
    ["a carriage return (a file with Windows line endings)", `${secret}\r`],
    ["a tab", `${secret}\tx`],
    ["a NUL", `${secret}\u0000x`],
    ["U+2028", `${secret}\u2028x`],
    ["U+2029", `${secret}\u2029x`],
    ["U+0085 (C1)", `${secret}\u0085x`],
    ["DEL", `${secret}\u007fx`],
    ["ESC", `\u001b]0;${secret}`],
    ["a leading space", ` ${secret}`],
    ["a trailing space", `${secret} `]
  ] as const

  for (const name of ["GITHUB_TOKEN", "GITHUB_ACCESS_TOKEN", "DD_API_KEY", "DATADOG_API_KEY"]) {
    it.effect.each(bad)(`${name} with %s`, ([, value]) =>
      Effect.gen(function*() {
        const error = expectConfigError(yield* Effect.flip(load({ CONFIG: yaml(), [name]: value })))
        expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^${name}: `))])
        expect(error.message).not.toContain(secret)
        expect(error.problems[0]).not.toMatch(rawControl)
        expect(inspect(error, { depth: 10 })).not.toContain(secret)
      }))
  }

  it.effect("with other problems, all are reported at once", () =>
    Effect.gen(function*() {
      const error = expectConfigError(yield* Effect.flip(load({ CONFIG: yaml(), GITHUB_TOKEN: `${secret}\n`, DD_API_KEY: "k\rx", DD_SITE: "x" })))
      expect(error.problems).toEqual([
        expect.stringMatching(/^DD_SITE: /),
        expect.stringMatching(/^GITHUB_TOKEN: contains a line break/),
        expect.stringMatching(/^DD_API_KEY: contains a carriage return/)
      ])
    }))

  it.effect("a token handed over by the caller is checked too", () =>
    Effect.gen(function*() {
      const error = expectConfigError(yield* Effect.flip(load({ CONFIG: yaml() }, { githubToken: Redacted.make(`${secret}\u2028`) })))
      expect(error.problems).toEqual([expect.stringMatching(/^the token given: contains a control character \(U\+2028\)/)])
      expect(error.message).not.toContain(secret)
    }))

  it.effect("every secret read is registered with the scrubber, in any letter case", () =>
    Effect.gen(function*() {
      const token = "tok-registered-by-settings-41"
      const key = "key-registered-by-settings-41"
      yield* load({ CONFIG: yaml(), GITHUB_TOKEN: token, DD_API_KEY: key })
      const out = scrub(`echo ${token} and ${key.toUpperCase()}`)
      expect(out).not.toContain(token)
      expect(out.toLowerCase()).not.toContain(key)
      // A refused secret too: whatever prints it by mistake still scrubs it.
      const refused = "tok-refused-but-registered-41\u2028x"
      yield* Effect.flip(load({ CONFIG: yaml(), GITHUB_TOKEN: refused }))
      expect(scrub(`x ${refused} x`)).toBe("x [redacted] x")
    }))
})

describe("the GitHub App's private key: line breaks only", () => {
  const { privateKey } = keyPair()
  const config = JSON.stringify({ repos: [{ owner: "acme", repo: "api", ref: "main" }], github_app: { app_id: 1 } })

  it.effect("with \\n or \\r\\n line breaks it is read", () =>
    Effect.gen(function*() {
      for (const pem of [privateKey, privateKey.replace(/\n/g, "\r\n")]) {
        const settings = yield* load({ CONFIG: config, GITHUB_APP_PRIVATE_KEY: pem })
        expect(Option.isSome(settings.github.app!.privateKey)).toBe(true)
      }
    }))

  it.effect.each([["a NUL", "\u0000"], ["a carriage return", "\r"], ["U+2028", "\u2028"], ["a tab", "\t"]])("with %s it is refused, naming GITHUB_APP_PRIVATE_KEY", ([, c]) =>
    Effect.gen(function*() {
      const pem = privateKey.replace("\n", `\n${c}`)
      const error = expectConfigError(yield* Effect.flip(load({ CONFIG: config, GITHUB_APP_PRIVATE_KEY: pem })))
      expect(error.problems).toEqual([expect.stringMatching(/^GITHUB_APP_PRIVATE_KEY: contains /)])
      expect(error.message).not.toContain(privateKey.split("\n")[1])
    }))

  it.effect("a key file with a NUL is refused, naming the file, not the key", () =>
    Effect.gen(function*() {
      const file = write(join(freshDir(), "app.pem"), privateKey.replace("\n", "\n\u0000"))
      const error = expectConfigError(yield* Effect.flip(load({ CONFIG: config, GITHUB_APP_PRIVATE_KEY_PATH: file })))
      expect(error.problems).toEqual([`GITHUB_APP_PRIVATE_KEY_PATH (${file}): contains a NUL, which no key has: check how it was set`])
    }))

  it.effect("the key is registered with the scrubber", () =>
    Effect.gen(function*() {
      yield* load({ CONFIG: config, GITHUB_APP_PRIVATE_KEY: privateKey })
      expect(scrub(`echo ${privateKey.trim()}`)).not.toContain(privateKey.split("\n")[1])
    }))
})

describe("parseSecret (AWS Secrets Manager): the same rules for the secret's keys", () => {
  const token = "ghp_FromSecretsManager0123456789"
  const key = "dd-key-from-secrets-manager-0123"

  it.effect("good keys are read and registered with the scrubber", () =>
    Effect.gen(function*() {
      const credentials = yield* parseSecret("gcm", JSON.stringify({ github_token: token, datadog_api_key: key }))
      expect(Redacted.value(credentials.githubToken!)).toBe(token)
      expect(Redacted.value(credentials.datadogApiKey!)).toBe(key)
      expect(scrub(`${token} ${key.toUpperCase()}`)).toBe("[redacted] [redacted]")
    }))

  it.effect.each([
    ["github_token", { github_token: `${token}\n`, datadog_api_key: key }],
    ["github_token", { github_token: `${token}\r`, datadog_api_key: key }],
    ["github_token", { github_token: ` ${token}`, datadog_api_key: key }],
    ["datadog_api_key", { github_token: token, datadog_api_key: `${key}\u0000` }],
    ["datadog_api_key", { github_token: token, datadog_api_key: `${key}\u2028` }],
    ["github_app_private_key", { datadog_api_key: key, github_app_private_key: "-----BEGIN RSA PRIVATE KEY-----\nA\u0000A\n-----END RSA PRIVATE KEY-----\n" }]
  ])("a %s with a control character or surrounding space is a SecretError naming the key, never the value", ([name, secret]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(parseSecret("gcm/creds", JSON.stringify(secret), { githubApp: true }))
      expect(error._tag).toBe("SecretError")
      expect(error.message).toMatch(new RegExp(`^cannot read secret "gcm/creds" from AWS Secrets Manager: the secret's ${name} `))
      expect(error.message).not.toContain(token)
      expect(error.message).not.toContain(key)
      expect(error.message).not.toMatch(rawControl)
    }))

  it.effect("a PEM with \\r\\n line breaks and a trailing one is fine", () =>
    Effect.gen(function*() {
      const pem = "-----BEGIN RSA PRIVATE KEY-----\r\nAAAA\r\n-----END RSA PRIVATE KEY-----\r\n"
      const credentials = yield* parseSecret("gcm", JSON.stringify({ datadog_api_key: key, github_app_private_key: pem }), { githubApp: true })
      expect(Redacted.value(credentials.githubAppPrivateKey!)).toBe(pem.trim())
    }))
})

describe("loadSettings: API URLs from flags and the environment", () => {
  const password = "hunter2-pa55"
  const urls = [
    `http://user:${password}@ghe.example.com/api/v3`,
    "https://ghe.example.com/api/v3?x=1",
    "https://ghe.example.com/api/v3#x",
    "ftp://ghe.example.com",
    "http://127.0.0.1:99999",
    "http://[::1"
  ]

  it.effect.each(urls)("%s is a ConfigError naming the variable or flag, without the password", (url) =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [string, Record<string, string>, Overrides]> = [
        ["GITHUB_API_URL", { GITHUB_API_URL: url }, {}],
        ["--github-api-url", {}, { githubApiUrl: url }],
        ["DD_API_URL", { DD_API_URL: url }, {}],
        ["--dd-api-url", {}, { ddApiUrl: url }]
      ]
      for (const [name, env, overrides] of cases) {
        const error = expectConfigError(yield* Effect.flip(load({ CONFIG: yaml(), ...env }, overrides)))
        expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^${name.replace(/-/g, "\\-")}: `))])
        expect(error.message).not.toContain(password)
      }
    }))
})

describe("max_response_bytes", () => {
  it.effect("default 8 MiB, else the file's", () =>
    Effect.gen(function*() {
      expect((yield* load({ CONFIG: yaml() })).maxResponseBytes).toBe(8 * 1024 * 1024)
      expect((yield* load({ CONFIG: yaml("max_response_bytes: 2048\n") })).maxResponseBytes).toBe(2048)
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

describe("loadSettings: the secret_id secret (every entrypoint reads it, the CLI as the Lambda)", () => {
  const token = "ghp_FromTheSecretStore0123456789ab"
  const key = "dd-key-from-the-secret-store-0123"
  const withSecret = (text: string | undefined, asked: Array<string> = []) =>
    Effect.provideService(SecretStore, {
      secretString: (ref) =>
        Effect.suspend(() => {
          asked.push(ref.secretId)
          return text === undefined
            ? Effect.fail(new SecretError({ secretId: ref.secretId, reason: "ResourceNotFoundException: not there" }))
            : Effect.succeed(text)
        })
    })

  it.effect("the secret's values win over the environment's, and each says where it came from", () =>
    Effect.gen(function*() {
      const s = yield* load({ CONFIG: yaml("secret_id: gcm/creds\n"), GITHUB_TOKEN: "ghp_env0123456789", DD_API_KEY: "env-key-0123" }).pipe(
        withSecret(JSON.stringify({ github_token: token, datadog_api_key: key }))
      )
      expect(Option.map(s.github.token, Redacted.value)).toEqual(Option.some(token))
      expect(Option.map(s.datadog.apiKey, Redacted.value)).toEqual(Option.some(key))
      expect(s.github.tokenSource).toBe('secret "gcm/creds" (github_token)')
      expect(s.datadog.apiKeySource).toBe('secret "gcm/creds" (datadog_api_key)')
      expect(s.unusedEnv).toEqual(["GITHUB_TOKEN", "DD_API_KEY"])
      expect(s.secret).toEqual({ id: "gcm/creds", versionId: undefined, region: undefined })
    }))

  it.effect("what the secret lacks comes from the environment", () =>
    Effect.gen(function*() {
      const s = yield* load({ CONFIG: yaml("secret_id: gcm/creds\n"), DATADOG_API_KEY: "env-key-0123" }).pipe(
        withSecret(JSON.stringify({ github_token: token }))
      )
      expect(s.github.tokenSource).toBe('secret "gcm/creds" (github_token)')
      expect(s.datadog.apiKeySource).toBe("DATADOG_API_KEY")
      expect(s.unusedEnv).toEqual([])
    }))

  it.effect("what neither gives, and a secret that cannot be read, are ConfigErrors naming the secret", () =>
    Effect.gen(function*() {
      const missing = expectConfigError(yield* Effect.flip(load({ CONFIG: yaml("secret_id: gcm/creds\n") }).pipe(withSecret(JSON.stringify({ github_token: token })))))
      expect(missing.source).toBe('secret_id "gcm/creds"')
      expect(missing.problems).toEqual([
        'cannot read secret "gcm/creds" from AWS Secrets Manager: the secret has no datadog_api_key (a JSON or YAML mapping is expected)'
      ])
      const unreadable = expectConfigError(yield* Effect.flip(load({ CONFIG: yaml("secret_id: gcm/creds\n") }).pipe(withSecret(undefined))))
      expect(unreadable.message).toContain('cannot read secret "gcm/creds" from AWS Secrets Manager: ResourceNotFoundException: not there')
    }))

  it.effect("other problems come first: the secret is not asked for then", () =>
    Effect.gen(function*() {
      const asked: Array<string> = []
      const error = expectConfigError(yield* Effect.flip(load({ CONFIG: yaml("secret_id: gcm/creds\n"), DD_SITE: "nowhere" }).pipe(withSecret("{}", asked))))
      expect(error.problems).toEqual([expect.stringMatching(/^DD_SITE: /)])
      expect(asked).toEqual([])
    }))

  it.effect("api: graphql needs a token: from the environment, the secret or an App; without one it is a ConfigError", () =>
    Effect.gen(function*() {
      const none = expectConfigError(yield* Effect.flip(load({ CONFIG: yaml("api: graphql\n"), DD_API_KEY: "k-0123" })))
      expect(none.problems).toEqual([
        "api: graphql: GitHub's GraphQL API needs a token, and there is none: set GITHUB_TOKEN (or GITHUB_ACCESS_TOKEN), configure a GitHub App (github_app), or use api: rest"
      ])
      const flag = expectConfigError(yield* Effect.flip(load({ CONFIG: yaml() }, { api: "graphql" })))
      expect(flag.problems[0]).toMatch(/^--api graphql: /)
      const fromSecret = yield* load({ CONFIG: yaml("api: graphql\nsecret_id: gcm/creds\n") }).pipe(
        withSecret(JSON.stringify({ github_token: token, datadog_api_key: key }))
      )
      expect(fromSecret.api).toBe("graphql")
      const fromEnv = yield* load({ CONFIG: yaml("api: graphql\n"), GITHUB_TOKEN: "ghp_env0123456789" })
      expect(fromEnv.github.tokenSource).toBe("GITHUB_TOKEN")
    }))
})

describe("the default SecretStore: AWS Secrets Manager, once per process, again after a failure", () => {
  it.live("a read that failed is asked again; one that succeeded is not", () =>
    Effect.gen(function*() {
      const sm = yield* Effect.promise(() => startFakeSecretsManager({}))
      const saved = { ...process.env }
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
        AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY: "settings-test-secret-access-key",
        AWS_REGION: "us-east-1",
        AWS_EC2_METADATA_DISABLED: "true"
      })
      yield* Effect.gen(function*() {
        const env = { CONFIG: yaml("secret_id: gcm/once\n") }
        const first = yield* Effect.flip(load(env))
        expect(expectConfigError(first).message).toMatch(/ResourceNotFoundException|can't find the specified secret/)
        sm.setSecret("gcm/once", JSON.stringify({ github_token: "ghp_fromaws0123456789", datadog_api_key: "aws-key-0123" }))
        const second = yield* load(env)
        expect(second.github.tokenSource).toBe('secret "gcm/once" (github_token)')
        yield* load(env)
        expect(sm.requests.map((r) => r.secretId)).toEqual(["gcm/once", "gcm/once"])
      }).pipe(
        Effect.ensuring(Effect.promise(() => sm.close())),
        Effect.ensuring(Effect.sync(() => {
          for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
          Object.assign(process.env, saved)
        }))
      )
    }), 30_000)
})
