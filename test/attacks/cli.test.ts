/**
 * Attacks on the CLI (issue 15), the real process against hostile stand-ins on 127.0.0.1:
 * check names that carry terminal escapes (clear screen, window title, hyperlinks), CR and LF to
 * forge rows, U+2028, C1 and bidi controls, and echoes of the token; a Datadog that fails while
 * a signal arrives; a GitHub that never answers while a signal arrives. The table stays one line
 * per target with the controls shown as escapes, nothing prints a secret, a delivery that failed
 * exits 1 signal or not, and every healthy target still gets its check.
 */
import { describe, expect, it } from "vitest"
import type { FakeDatadog } from "../support/FakeDatadog.ts"
import type { FakeGitHub, RefSpec } from "../support/FakeGitHub.ts"
import { listen } from "../support/http.ts"
import { serversOfThisFile } from "../support/servers.ts"
import { runCli, startCli, waitFor, writeConfig } from "../e2e/support.ts"
import type { CliResult } from "../e2e/support.ts"
import { registerSecret } from "../../src/domain/Scrub.ts"
import { formatJsonLines, formatTable, jsonSafe, printable, table, visible, visibleLines } from "../../src/sinks/Stdout.ts"

const TOKEN = "ghp_AttackT0kenNeverPrinted0123456789abcd"
const KEY = "attackddkeyneverprinted0123456789abcdef"

const { github, datadog, track } = serversOfThisFile()

/** Clear screen, window title, a hyperlink, CR (overwrite), LF (a forged row), BEL, U+2028, CSI as one C1 byte, a bidi override. */
const HOSTILE = "evil\u001b[2J\u001b]0;title\u0007\u001b]8;;http://evil\u0007click\u001b]8;;\u0007\rOK (0)  acme/forged@main  CI passing\nOK (0)  acme/forged2@main\u2028x\u009b31m\u202egnp.exe"
/** Anything a terminal acts on, or that breaks a line: none may reach stdout or stderr raw. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

const green: RefSpec = { statuses: [{ context: "ci/jenkins", state: "success" }], checkRuns: [{ name: "build" }], checkSuites: [{}] }
const hostile: RefSpec = { ...green, checkRuns: [{ name: HOSTILE, conclusion: "failure", html_url: "https://github.com/acme/hostile/runs/1" }] }
/** A server that echoes the token back, in other letter cases and as GitHub token patterns. */
const echoing: RefSpec = {
  ...green,
  checkRuns: [{
    name: `deploy ${TOKEN.toLowerCase()} ${TOKEN.toUpperCase()} Bearer ${TOKEN.slice(4)} ghs_${"x".repeat(36)}`,
    conclusion: "failure"
  }]
}
const repos: Record<string, RefSpec> = {
  "acme/green@main": green,
  "acme/hostile@main": hostile,
  "acme/echo@main": echoing,
  "acme/green2@main": green
}
const TARGETS = Object.keys(repos)
const config = () =>
  writeConfig(JSON.stringify({
    repos: TARGETS.map((key) => {
      const [name, ref] = key.split("@")
      const [owner, repo] = name!.split("/")
      return { owner, repo, ref }
    })
  }))

/** No secret in any letter case, and no raw control character, on stdout or stderr. */
const expectClean = (r: CliResult) => {
  for (const [name, text] of [["stdout", r.stdout], ["stderr", r.stderr]] as const) {
    expect(text.toLowerCase(), `the token on ${name}`).not.toContain(TOKEN.toLowerCase())
    expect(text.toLowerCase(), `the token's body on ${name}`).not.toContain(TOKEN.slice(4).toLowerCase())
    expect(text, `the Datadog key on ${name}`).not.toContain(KEY)
    expect(text, `a raw control character on ${name}`).not.toMatch(RAW_CONTROL)
  }
}

describe("the printing helpers, for every control character", () => {
  const specials = [0x7f, 0x061c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]
  const all = [...Array.from({ length: 0xa0 }, (_, c) => c), ...specials].map((c) => String.fromCharCode(c))

  it("visible shows each as an escape; a table row stays one line; visibleLines keeps only LF", () => {
    for (const ch of all) {
      const shown = visible(`a${ch}b`)
      if (ch >= " " && ch < "\u007f") expect(shown).toBe(`a${ch}b`)
      else {
        expect(shown, `U+${ch.charCodeAt(0).toString(16)}`).not.toMatch(RAW_CONTROL)
        expect(shown).toMatch(/^a\\(?:x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt])b$/)
      }
    }
    expect(visible("\u001b[2J\r\n\t\u0000\u009b\u2028\u202e")).toBe(String.raw`\x1b[2J\r\n\t\x00\x9b\u2028\u202e`)
    expect(table([["A", "B"], ...all.map((ch) => [`x${ch}y`, `m${ch}n`])]).split("\n")).toHaveLength(all.length + 1)
    expect(visibleLines("one\ntwo\u001b[0m\r")).toBe(String.raw`one` + "\n" + String.raw`two\x1b[0m\r`)
  })

  it("formatTable and formatJsonLines: one line per check, nothing raw, the JSON the same text once parsed", () => {
    const message = all.join("")
    const checks = [{ check: "ci.ok", host_name: "h", status: 1 as const, tags: ["owner:acme", "repo:x", "ref:main"], message, timestamp: 1 }]
    expect(formatTable(checks).split("\n")).toHaveLength(2)
    expect(formatTable(checks)).not.toMatch(RAW_CONTROL)
    const json = formatJsonLines(checks)
    expect(json.split("\n")).toHaveLength(1)
    expect(json).not.toMatch(RAW_CONTROL)
    expect((JSON.parse(json) as { message: string }).message).toBe(message)
    expect(JSON.parse(jsonSafe(JSON.stringify(message)))).toBe(message)
  })

  it("printable scrubs a registered secret in any case, and credential-looking values", () => {
    registerSecret("HelperSecretValue123456")
    const out = printable(`a helpersecretvalue123456 b HELPERSECRETVALUE123456 c Bearer abcdefgh12345678 ghp_${"z".repeat(36)}\n`)
    expect(out.toLowerCase()).not.toContain("helpersecretvalue123456")
    expect(out).not.toContain("abcdefgh12345678")
    expect(out).not.toContain("zzzzzzzz")
    expect(out.endsWith("\\n")).toBe(true)
  })
})

describe.concurrent("terminal injection: check names with control characters", () => {
  it("the table has one line per target, shows the controls as escapes, and prints no secret", async () => {
    const gh = await github({ token: TOKEN, repos })
    const r = await runCli(["run", "--once", "--config", config()], { env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url } })
    expect(r.code, r.stderr).toBe(0)
    expectClean(r)
    const lines = r.stdout.replace(/\n$/, "").split("\n")
    // The header, one row per target, the self-check: nothing forged.
    expect(lines, r.stdout).toHaveLength(1 + TARGETS.length + 1)
    expect(lines[0]).toMatch(/^STATUS\s+TARGET\s+MESSAGE$/)
    for (const target of TARGETS) expect(lines.filter((l) => l.includes(` ${target} `)), target).toHaveLength(1)
    expect(r.stdout).not.toContain("acme/forged@main  CI passing\n")
    const row = lines.find((l) => l.includes(" acme/hostile@main "))!
    expect(row).toMatch(/^WARNING \(1\)/)
    // Every control is there to see, as an escape.
    for (const shown of ["\\x1b[2J", "\\x1b]0;title\\x07", "\\x1b]8;;http://evil\\x07", "\\r", "\\n", "\\u2028", "\\x9b", "\\u202e"]) {
      expect(row).toContain(shown)
    }
    // The healthy targets keep their real state.
    for (const ok of ["acme/green@main", "acme/green2@main"]) expect(lines.find((l) => l.includes(` ${ok} `))).toMatch(/^OK \(0\) .*CI passing/)
    // The echo of the token is scrubbed, not printed.
    expect(lines.find((l) => l.includes(" acme/echo@main "))).toContain("[redacted]")
  })

  it("--output json: one object per line, no raw U+2028 or control, the names intact once parsed", async () => {
    const gh = await github({ token: TOKEN, repos })
    const r = await runCli(["run", "--once", "--output", "json", "--config", config()], {
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url }
    })
    expect(r.code, r.stderr).toBe(0)
    expectClean(r)
    expect(r.stdout).not.toContain("\u2028")
    const checks = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { status: number; tags: string[]; message: string })
    expect(checks).toHaveLength(TARGETS.length + 1)
    const of = (repo: string) => checks.find((c) => c.tags.includes(`repo:${repo}`))!
    // JSON's escapes stand for the same text: a script reading it gets the name GitHub sent.
    expect(of("hostile").message).toContain("\u001b[2J")
    expect(of("hostile").message).toContain("\u2028x\u009b31m\u202e")
    expect(of("green").status).toBe(0)
    expect(of("green2").status).toBe(0)
    expect(of("echo").message).toContain("[redacted]")
  })

  it("with a Datadog key, the checks sent carry no secret and every target gets one", async () => {
    const gh = await github({ token: TOKEN, repos })
    const dd = await datadog({ apiKey: KEY })
    const r = await runCli(["run", "--once", "--config", config()], {
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url, DD_API_KEY: KEY, DD_API_URL: dd.url }
    })
    expect(r.code, r.stderr).toBe(0)
    expectClean(r)
    expect(dd.checks).toHaveLength(TARGETS.length + 1)
    for (const c of dd.checks) expect((c.message ?? "").toLowerCase()).not.toContain(TOKEN.slice(4).toLowerCase())
    expect(dd.checks.filter((c) => c.status === 0)).toHaveLength(3) // the two green targets and the self-check
  })
})

// ---------------------------------------------------------------------------------------------
// A signal does not hide a failed delivery

const env = (gh: FakeGitHub | string, dd: FakeDatadog) => ({
  GITHUB_TOKEN: TOKEN,
  GITHUB_API_URL: typeof gh === "string" ? gh : gh.url,
  DD_API_KEY: KEY,
  DD_API_URL: dd.url
})
/** A Datadog that answers 503 to every POST. */
const failingDatadog = () => datadog({ apiKey: KEY, faults: [{ status: 503, body: { errors: ["Service Unavailable"] }, times: 1_000 }] })
const greenRepos: Record<string, RefSpec> = { "acme/green@main": green, "acme/green2@main": green }
const greenConfig = () =>
  writeConfig(JSON.stringify({ repos: [{ owner: "acme", repo: "green", ref: "main" }, { owner: "acme", repo: "green2", ref: "main" }] }))

describe.concurrent("a delivery that failed exits 1, signal or not", () => {
  it.each([
    ["run --once: SIGTERM while Datadog fails → NOT delivered, exit 1", ["run", "--once"]],
    ["the daemon: SIGTERM while the cycle in flight fails to deliver → exit 1", ["run", "--interval", "1h"]]
  ])("%s", async (_name, command) => {
    const gh = await github({ token: TOKEN, repos: greenRepos })
    const dd = await failingDatadog()
    const running = startCli([...command, "--config", greenConfig()], { env: env(gh, dd), timeoutMs: 25_000 })
    await waitFor("the first delivery attempt", () => dd.requests.length > 0, 15_000)
    running.child.kill("SIGTERM")
    const r = await running.result
    expectClean(r)
    expect(r.stderr).toMatch(/3 checks NOT delivered .*503/)
    expect(r.code, r.stderr).toBe(1)
  })

  it("the daemon: SIGTERM between cycles after a failed delivery → exit 1; after a good one → exit 0", async () => {
    const gh = await github({ token: TOKEN, repos: greenRepos })
    const dd = await failingDatadog()
    const daemon = startCli(["run", "--interval", "1h", "--config", greenConfig()], { env: env(gh, dd), timeoutMs: 25_000 })
    await waitFor("the failed delivery reported", () => /NOT delivered/.test(daemon.stderr()), 20_000)
    daemon.child.kill("SIGTERM")
    const r = await daemon.result
    expectClean(r)
    expect(r.code, r.stderr).toBe(1)

    const good = await datadog({ apiKey: KEY })
    const healthy = startCli(["run", "--interval", "1h", "--config", greenConfig()], { env: env(gh, good), timeoutMs: 25_000 })
    await waitFor("the delivery reported", () => /sent 3 of 3 checks/.test(healthy.stderr()), 20_000)
    healthy.child.kill("SIGTERM")
    const ok = await healthy.result
    expect(ok.code, ok.stderr).toBe(0)
  })

  it("SIGTERM while GitHub never answers: the cycle stops asking after its grace, delivers every check, exit 0", async () => {
    let asked = 0
    const hanging = await track(listen(() => void asked++)) // and never answers
    const dd = await datadog({ apiKey: KEY })
    const once = startCli(["run", "--once", "--config", greenConfig()], { env: env(hanging.url, dd), timeoutMs: 28_000 })
    await waitFor("the cycle to ask GitHub", () => asked > 0, 15_000)
    const signalled = Date.now()
    once.child.kill("SIGTERM")
    const r = await once.result
    expectClean(r)
    expect(r.code, r.stderr).toBe(0)
    // The grace (10 s) and the delivery, not the GitHub client's own timeouts and retries (3 × 10 s).
    expect(Date.now() - signalled).toBeLessThan(16_000)
    expect(dd.checks).toHaveLength(3)
    const targets = dd.checks.filter((c) => c.tags.some((t) => t.startsWith("repo:")))
    expect(targets.map((c) => c.status)).toEqual([3, 3])
    for (const c of targets) expect(c.message).toMatch(/no answer from GitHub before the monitor was stopped/)
  }, 35_000)
})
