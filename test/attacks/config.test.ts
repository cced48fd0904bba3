/**
 * Attacks on the configuration (issue 15, items 1, 3 and 9): the real CLI process given secrets
 * with control characters, API URLs with credentials, a query, a fragment, another scheme or a
 * bad host or port, and owner, repo and ref names that would leave the repository's URL. Each is
 * a configuration error — exit 2, the variable or the key named, the secret or password never
 * printed, no stack trace, no request made — while good names (a SHA, `release/v2`) still work.
 */
import { describe, expect, it } from "vitest"
import { runCli, writeConfig } from "../e2e/support.ts"
import type { CliOptions, CliResult } from "../e2e/support.ts"
import { serversOfThisFile } from "../support/servers.ts"

const TOKEN = "ghp_AttackConfigToken0123456789abcdefAB"
const KEY = "attackconfigddkey0123456789abcdef"
const PASSWORD = "pa55-w0rd-never-printed"

const { github, datadog } = serversOfThisFile()

const config = (value: object) => writeConfig(JSON.stringify(value, null, 2))
const repos = [{ owner: "acme", repo: "api", ref: "main" }]

/** Raw control characters other than the line breaks between lines: none may reach a terminal. */
const rawControl = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/
/** What a crash prints: an Effect or Node stack trace. */
const stackTrace = /\n\s+at [^\n]+:\d+:\d+|FiberFailure|Error: [^\n]*\n\s+at /

/** The CLI's answer to a configuration error, as a user sees it: exit 2, said on stderr, one clean line per problem. */
const expectConfigError = (result: CliResult, names: string | RegExp, secrets: ReadonlyArray<string>) => {
  expect(result.code, result.stderr).toBe(2)
  expect(result.stderr).toMatch(/^github-ci-monitor: invalid configuration \(/)
  if (typeof names === "string") expect(result.stderr).toContain(names)
  else expect(result.stderr).toMatch(names)
  for (const secret of secrets) {
    expect(result.stdout, "a secret was printed on stdout").not.toContain(secret)
    expect(result.stderr, "a secret was printed on stderr").not.toContain(secret)
  }
  expect(result.stderr).not.toMatch(rawControl)
  expect(result.stderr).not.toMatch(stackTrace)
}

const cli = (args: ReadonlyArray<string>, options: CliOptions = {}) => runCli(args, options)

describe("a secret with a control character or surrounding spaces: exit 2 naming the variable, never the value", () => {
  const bad = [
    ["a line break", `${TOKEN}\nx`],
    ["a carriage return", `${TOKEN}\r`],
    ["U+2028", `${TOKEN}\u2028x`],
    ["U+2029", `${TOKEN}\u2029x`],
    ["a tab", `${TOKEN}\tx`],
    ["an escape sequence", `${TOKEN}\u001b[2J`],
    ["a trailing space", `${TOKEN} `]
  ] as const

  it.each(bad)("GITHUB_TOKEN with %s: run --once exits 2 and asks nothing of GitHub or Datadog", async (_, token) => {
    const [gh, dd] = await Promise.all([github({ repos: { "acme/api@main": {} } }), datadog()])
    const result = await cli(["run", "--once", "--config", config({ repos })], {
      env: { GITHUB_TOKEN: token, GITHUB_API_URL: gh.url, DD_API_KEY: KEY, DD_API_URL: dd.url }
    })
    expectConfigError(result, /\n  GITHUB_TOKEN: contains|\n  GITHUB_TOKEN: has leading or trailing spaces/, [TOKEN, KEY])
    expect(gh.requests).toHaveLength(0)
    expect(dd.requests).toHaveLength(0)
  })

  it.each([
    ["DD_API_KEY", "a line break", "k\nx"],
    ["DD_API_KEY", "a carriage return", "kkkkkkkk\r"],
    ["DATADOG_API_KEY", "U+2028", "kkkkkkkk\u2028x"],
    ["GITHUB_ACCESS_TOKEN", "a line break", `${TOKEN}\nx`]
  ])("%s with %s: exit 2 naming it", async (name, _, secret) => {
    const dd = await datadog()
    const env: Record<string, string> = { DD_API_URL: dd.url, [name]: secret }
    const [run, validate] = await Promise.all([
      cli(["run", "--once", "--config", config({ repos })], { env }),
      cli(["validate", "--config", config({ repos })], { env })
    ])
    for (const result of [run, validate]) expectConfigError(result, `\n  ${name}: contains`, [secret, secret.slice(0, 8), TOKEN])
    expect(dd.requests).toHaveLength(0)
  })

  it("validate finds it too, with every other problem at once", async () => {
    const result = await cli(["validate", "--config", config({ repos })], {
      env: { GITHUB_TOKEN: `${TOKEN}\r`, DD_API_KEY: `${KEY}\n`, GITHUB_API_URL: `http://u:${PASSWORD}@127.0.0.1:1` }
    })
    expectConfigError(result, "GITHUB_TOKEN: contains a carriage return", [TOKEN, KEY, PASSWORD])
    expect(result.stderr).toContain("DD_API_KEY: contains a line break")
    expect(result.stderr).toContain("GITHUB_API_URL: must not contain credentials")
  })

  // The environment cannot carry a NUL (the OS ends the string there); a key file can.
  it("a GitHub App key file with a NUL: exit 2 naming the file, not the key", async () => {
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEnotreallyakey\u0000x\n-----END RSA PRIVATE KEY-----\n"
    const keyFile = writeConfig(pem, "app.pem")
    const result = await cli(["validate", "--config", config({ repos, github_app: { app_id: 1 } })], {
      env: { GITHUB_APP_PRIVATE_KEY_PATH: keyFile }
    })
    expectConfigError(result, `GITHUB_APP_PRIVATE_KEY_PATH (${keyFile}): contains a NUL`, ["MIIEnotreallyakey"])
  })

  it("GITHUB_APP_PRIVATE_KEY with U+2028: exit 2 naming it", async () => {
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEnotreallyakey\u2028x\n-----END RSA PRIVATE KEY-----\n"
    const result = await cli(["validate", "--config", config({ repos, github_app: { app_id: 1 } })], { env: { GITHUB_APP_PRIVATE_KEY: pem } })
    expectConfigError(result, "GITHUB_APP_PRIVATE_KEY: contains a control character (U+2028)", ["MIIEnotreallyakey"])
  })
})

describe("API URLs: credentials, a query, a fragment, another scheme, a bad host or port", () => {
  const urls = [
    ["credentials", `http://user:${PASSWORD}@127.0.0.1:1/api/v3`, "must not contain credentials"],
    ["a password alone", `https://${PASSWORD}@127.0.0.1:1`, "must not contain credentials"],
    ["a query", "http://127.0.0.1:1/api/v3?access_token=x", "must not have a query"],
    ["a fragment", "http://127.0.0.1:1/api/v3#x", "must not have a fragment"],
    ["ftp", "ftp://127.0.0.1:1/", "must be an http(s) URL"],
    ["port 99999", "http://127.0.0.1:99999", "has a port outside 1 to 65535"],
    ["an unclosed IPv6 host", "http://[::1", "has an invalid host"]
  ] as const

  describe.each([
    ["GITHUB_API_URL", (url: string) => ({ env: { GITHUB_API_URL: url, GITHUB_TOKEN: TOKEN }, repos })],
    ["DD_API_URL", (url: string) => ({ env: { DD_API_URL: url, DD_API_KEY: KEY }, repos })],
    ["github_api_url", (url: string) => ({ env: { GITHUB_TOKEN: TOKEN }, repos, github_api_url: url })],
    ["dd_api_url", (url: string) => ({ env: { DD_API_KEY: KEY }, repos, dd_api_url: url })]
  ] as const)("%s", (name, given) => {
    it.each(urls)("with %s: validate and run --once exit 2 naming it, the password never printed, no stack trace", async (_, url, says) => {
      const { env, ...file } = given(url)
      const path = config(file)
      const [validate, run] = await Promise.all([
        cli(["validate", "--config", path], { env }),
        cli(["run", "--once", "--config", path], { env })
      ])
      for (const result of [validate, run]) expectConfigError(result, `\n  ${name}: ${says}`, [PASSWORD, TOKEN, KEY])
      if (url.includes(PASSWORD)) expect(validate.stderr).toContain("[redacted]@127.0.0.1:1")
    })
  })

  it("--github-api-url and --dd-api-url are named as flags", async () => {
    const result = await cli([
      "validate",
      "--config",
      config({ repos }),
      "--github-api-url",
      `http://u:${PASSWORD}@127.0.0.1:1`,
      "--dd-api-url",
      "http://127.0.0.1:99999"
    ])
    expectConfigError(result, "\n  --github-api-url: must not contain credentials", [PASSWORD])
    expect(result.stderr).toContain("\n  --dd-api-url: has a port outside 1 to 65535")
  })
})

describe("owner, repo and ref names that would leave the repository's URL", () => {
  it.each([
    ["owner", "."],
    ["owner", ".."],
    ["repo", "."],
    ["repo", ".."],
    ["ref", "../x"],
    ["ref", "a..b"],
    ["ref", "x.lock"],
    ["ref", "main\nrepos[0]: fine"]
  ])("%s %j: validate and run --once exit 2 naming repos[1].%s, nothing asked of GitHub", async (key, value) => {
    const gh = await github({ repos: { "acme/api@main": {} } })
    const path = config({ repos: [repos[0], { ...repos[0], [key]: value }] })
    const env = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url }
    const [validate, run] = await Promise.all([cli(["validate", "--config", path], { env }), cli(["run", "--once", "--config", path], { env })])
    for (const result of [validate, run]) {
      expectConfigError(result, `\n  repos[1].${key}: must `, [TOKEN])
      expect(result.stderr).toContain(`(got ${JSON.stringify(value)})`)
    }
    // A newline in a ref is shown escaped: it cannot forge a line of the report.
    expect(validate.stderr).not.toMatch(/^repos\[0\]: fine/m)
    expect(gh.requests).toHaveLength(0)
  })

  it("a 1 MB ref is shown cut, on one short line", async () => {
    const ref = `${"x".repeat(1024 * 1024)}..`
    const result = await cli(["validate", "--config", config({ repos: [{ owner: "acme", repo: "api", ref }] })])
    expectConfigError(result, `\n  repos[0].ref: must be a git ref name or a commit SHA: it `, [])
    expect(result.stderr.length).toBeLessThan(1000)
    expect(result.stderr).toContain("… (1048578 characters)")
  })

  it("a SHA, release/v2 and refs/heads/main are accepted and watched", async () => {
    const sha = "0123456789abcdef0123456789abcdef01234567"
    const [gh, dd] = await Promise.all([
      github({
        repos: {
          [`acme/api@${sha}`]: { statuses: [{ context: "ci", state: "success" }] },
          "acme/api@release/v2": { statuses: [{ context: "ci", state: "success" }] },
          "acme/web@refs/heads/main": { statuses: [{ context: "ci", state: "success" }] }
        }
      }),
      datadog()
    ])
    const path = config({
      repos: [
        { owner: "acme", repo: "api", ref: sha, status: true },
        { owner: "acme", repo: "api", ref: "release/v2", status: true },
        { owner: "acme", repo: "web", ref: "refs/heads/main", status: true }
      ]
    })
    const env = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url, DD_API_KEY: KEY, DD_API_URL: dd.url }
    const validate = await cli(["validate", "--config", path], { env })
    expect(validate.code, validate.stderr).toBe(0)
    expect(validate.stdout).toContain(`acme/api@${sha}`)
    expect(validate.stdout).toContain("acme/api@release/v2")
    expect(validate.stdout).toContain("acme/web@refs/heads/main")
    const run = await cli(["run", "--once", "--config", path], { env })
    expect(run.code, run.stderr).toBe(0)
    const refs = dd.checks.filter((c) => c.tags.some((t) => t.startsWith("repo:"))).map((c) => [c.status, c.tags.find((t) => t.startsWith("ref:"))])
    expect(refs).toEqual(expect.arrayContaining([[0, `ref:${sha}`], [0, "ref:release/v2"], [0, "ref:refs/heads/main"]]))
    expect(refs).toHaveLength(3)
  })
})
