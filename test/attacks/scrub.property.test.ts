/**
 * For random secrets and random server texts that quote them (as they are, in another letter
 * case, JSON-escaped, after `Bearer` or `token`), no output of any sink holds a secret: the
 * Datadog payload, the stdout table and JSON lines, the status page, cctray and /metrics.
 * The texts reach the cycle the way GitHub's do: as failing check names, links, still-running
 * names and the reasons a source could not tell.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import fc from "fast-check"
import { REDACTED, registerSecret, scrub, scrubWith } from "../../src/domain/Scrub.ts"
import type { Target } from "../../src/domain/Target.ts"
import { failing, passingWith, unknown } from "../../src/domain/Verdict.ts"
import { GitHubError } from "../../src/github/GitHubError.ts"
import { runCycle } from "../../src/monitor.ts"
import { emptyBoard, recordCycle } from "../../src/serve/Board.ts"
import { renderCctray } from "../../src/serve/Cctray.ts"
import { renderMetrics } from "../../src/serve/Metrics.ts"
import { renderStatusPage } from "../../src/serve/StatusPage.ts"
import { noRequests } from "../../src/serve/GitHubTraffic.ts"
import type { ServiceCheck } from "../../src/sinks/Sink.ts"
import { Sink } from "../../src/sinks/Sink.ts"
import { formatJsonLines, formatTable } from "../../src/sinks/Stdout.ts"
import type { StatusSource } from "../../src/sources/StatusSource.ts"
import { StatusSources } from "../../src/sources/StatusSource.ts"

/** Secrets as tokens and keys are: printable ASCII without spaces (control characters are refused). */
const secretArb = fc.stringOf(fc.char().filter((c) => c > " " && c <= "~"), { minLength: 8, maxLength: 64 })

const randomCase = (s: string, flips: ReadonlyArray<boolean>) =>
  [...s].map((c, i) => (flips[i % Math.max(1, flips.length)] ? c.toUpperCase() : c.toLowerCase())).join("")

/** A server's text that quotes the secret somehow, among random words. */
const echoArb = (secret: string) =>
  fc.tuple(
    fc.string({ maxLength: 40 }),
    fc.constantFrom<(s: string, flips: ReadonlyArray<boolean>) => string>(
      (s) => s,
      (s) => s.toLowerCase(),
      (s) => s.toUpperCase(),
      randomCase,
      (s) => JSON.stringify(s).slice(1, -1),
      (s) => `Bearer ${s}`,
      (s) => `token ${s.toLowerCase()}`,
      (s) => encodeURIComponent(s)
    ),
    fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
    fc.string({ maxLength: 40 })
  ).map(([before, quote, flips, after]) => `${before}${quote(secret, flips)}${after}`)

const target = (repo: string): Target => ({
  owner: "acme",
  repo,
  ref: "main",
  sources: { status: true, check_runs: true, check_suites: true },
  failOn: ["failure"],
  tags: []
})
const targets = [target("red"), target("unknown"), target("running")]

/** One source answering each target with `text` where GitHub's words would go. */
const sourcesSaying = (text: string) =>
  Layer.succeed(StatusSources, [
    {
      id: "check_runs",
      batchSize: 1,
      check: (batch) =>
        Effect.succeed(batch.map((t) =>
          t.repo === "red"
            ? Either.right(failing([{ name: text, conclusion: "failure", url: `https://github.com/acme/red/runs/1?x=${text}` }]))
            : t.repo === "running"
            ? Either.right(passingWith([text]))
            : Either.left(new GitHubError({ reason: "server_error", detail: `GitHub server error (500: ${text})` }))
        ))
    } satisfies StatusSource,
    {
      id: "status",
      batchSize: 1,
      check: (batch) => Effect.succeed(batch.map(() => Either.right(unknown("unexpected_response", text))))
    } satisfies StatusSource,
    {
      id: "check_suites",
      batchSize: 1,
      check: (batch) => Effect.succeed(batch.map(() => Either.right(passingWith([]))))
    } satisfies StatusSource
  ])

const captured: Array<ReadonlyArray<ServiceCheck>> = []
const capturingSink = Layer.succeed(Sink, {
  deliver: (checks) =>
    Effect.sync(() => {
      captured.push(checks)
      return { destination: "test", delivered: checks.length, failures: [] }
    })
})

const options = { checkName: "ci.ok", selfCheckName: "github_ci_monitor.up", hostName: "h", failingStatus: 1 as const, globalTags: [] }

const holds = (text: string, secret: string) => text.toLowerCase().includes(secret.toLowerCase())

describe("the scrubber", () => {
  it("removes a secret in any letter case, and leaves ordinary words alone", () => {
    const s = scrubWith(["ghp_Secret0123456789"])
    expect(s("a GHP_SECRET0123456789 b ghp_secret0123456789")).toBe(`a ${REDACTED} b ${REDACTED}`)
    expect(s("GitHub rejected the token (401: Bad credentials)")).toBe("GitHub rejected the token (401: Bad credentials)")
    expect(s("Authorization: Bearer abcdefgh12345678 x")).toBe(`Authorization: Bearer ${REDACTED} x`)
    expect(s("github_pat_11ABCDEFG0123456789_abcdefXYZ and gho_16C7e42F292c6912E7710c838347Ae178B4a")).toBe(`${REDACTED} and ${REDACTED}`)
  })

  it.effect("for random secrets and server texts, no sink's output holds the secret", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          secretArb.chain((secret) => fc.tuple(fc.constant(secret), echoArb(secret))),
          async ([secret, text]) => {
            registerSecret(secret)
            captured.length = 0
            const result = await Effect.runPromise(
              runCycle(targets, options).pipe(Effect.provide(Layer.merge(sourcesSaying(text), capturingSink)))
            )
            const board = recordCycle(emptyBoard(targets, 60_000, 0), {
              result,
              finishedAt: 1_000,
              rateLimitRemaining: 10,
              requests: noRequests
            })
            const checks = captured.flat()
            expect(checks).toHaveLength(targets.length + 1)
            const outputs = {
              datadog: JSON.stringify(checks),
              table: formatTable(checks),
              json: formatJsonLines(checks),
              page: renderStatusPage(board, "https://github.com", 2_000),
              cctray: renderCctray(board, "https://github.com"),
              metrics: renderMetrics(board, "openmetrics")
            }
            for (const [name, output] of Object.entries(outputs)) {
              expect(holds(output, secret), `${name} holds the secret ${JSON.stringify(secret)}`).toBe(false)
            }
          }
        ),
        { numRuns: 150 }
      )
    ))

  it("scrub() knows every registered secret at once, in the forms they are quoted", () => {
    registerSecret("dd-key-0123456789abcdef")
    registerSecret("weird\"key\\with/slashes+plus")
    const text = `key=DD-KEY-0123456789ABCDEF body={"k":"weird\\"key\\\\with/slashes+plus"} url=weird%22key%5Cwith%2Fslashes%2Bplus`
    const out = scrub(text)
    expect(out).not.toMatch(/0123456789abcdef/i)
    expect(out).not.toContain("slashes")
  })
})
