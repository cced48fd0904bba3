/**
 * serve's own bounds and scrubbing, whatever the sources hand it: verdicts are built here by
 * hand, without the cuts the domain makes, so these tests hold serve alone to its limits.
 */
import { describe, expect, it } from "@effect/vitest"
import { registerSecret } from "../../src/domain/Scrub.ts"
import type { SourceVerdict, Verdict } from "../../src/domain/Verdict.ts"
import { emptyBoard, recordFailure } from "../../src/serve/Board.ts"
import { renderCctray } from "../../src/serve/Cctray.ts"
import { escapeLabelValue, exposition } from "../../src/serve/Exposition.ts"
import { metricFamilies } from "../../src/serve/Metrics.ts"
import { renderCache } from "../../src/serve/Routes.ts"
import { escapeHtml, renderStatusPage, ROW_DETAIL_BYTES } from "../../src/serve/StatusPage.ts"
import { cutText, escapeWithin, labelText, shown, utf8Length } from "../../src/serve/Text.ts"
import { boardAfter, parseCctray, parseExposition, target } from "./support.ts"

const MB = 1024 * 1024
const NOW = 1_700_000_061_000

/** Verdicts as no source would make them: uncut. */
const failingRaw = (items: ReadonlyArray<{ name: string; conclusion: string; url?: string }>): Verdict => ({ _tag: "Failing", items })
const unknownRaw = (detail: string): Verdict => ({ _tag: "Unknown", reason: "unexpected_response", detail })

describe("Text: what serve shows", () => {
  const secret = `Serve-Bounds-Secret-${Math.random().toString(36).slice(2)}`
  registerSecret(secret)

  it("scrubs a registered secret in any letter case, and token-looking values", () => {
    const out = shown(`a ${secret.toUpperCase()} b ${secret.toLowerCase()} c Bearer abcdefgh12345678 ghp_abcdefABCDEF0123456789`, 500)
    expect(out.toLowerCase()).not.toContain(secret.toLowerCase())
    expect(out).not.toContain("abcdefgh12345678")
    expect(out).not.toContain("ghp_abcdef")
  })

  it("scrubs a secret that straddles the cut before cutting, so no part of it shows", () => {
    const text = `${"x".repeat(90)}${secret}${"y".repeat(10_000)}`
    const out = shown(text, 100)
    expect(out.length).toBeLessThanOrEqual(100)
    expect(out).not.toContain(secret.slice(0, 10))
  })

  it("line breaks become spaces, other controls and lone surrogates U+FFFD", () => {
    expect(shown("a\r\nb\tc\u2028d\u0085e", 100)).toBe("a  b c d e")
    expect(shown("a\u0000b\u001bc\u007fd\u009fe\uD800f\uDC00g", 100)).toBe("a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg")
    expect(shown("ok 🚦", 100)).toBe("ok 🚦")
  })

  it("label text keeps the line feed (the formats escape it) and nothing else", () => {
    expect(labelText("a\nb\rc\u0000d\u2028e", 100)).toBe("a\nb\uFFFDc\uFFFDd\uFFFDe")
  })

  it("cuts never split a surrogate pair", () => {
    const cut = cutText("ab🚦🚦🚦", 4)
    expect(cut).toBe("ab…")
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/)
  })

  it("escapeWithin bounds the escaped bytes, never inside an entity", () => {
    const out = escapeWithin("&".repeat(1_000), 100, escapeHtml)
    expect(utf8Length(out)).toBeLessThanOrEqual(100)
    expect(out).toMatch(/^(&amp;)+…$/)
    expect(escapeWithin("short & fine", 100, escapeHtml)).toBe("short &amp; fine")
    expect(utf8Length("é🚦\uD800")).toBe(2 + 4 + 3)
  })

  it("exposition label values: CR, NUL, U+2028 and lone surrogates cannot break a line", () => {
    expect(escapeLabelValue("a\rb\u0000c\u2028d\uD800e\nf\\g\"h")).toBe("a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\\nf\\\\g\\\"h")
  })

  describe("no page carries the secret, whichever text of GitHub's or the configuration's held it", () => {
    const leaky = target(`acme/leak@main`, [`note:${secret.toUpperCase()}`])
    const verdicts: ReadonlyArray<SourceVerdict> = [
      { source: "check_runs", verdict: failingRaw([{ name: `run ${secret.toLowerCase()}`, conclusion: "failure", url: `https://ci.example/x?t=${secret}` }]) },
      { source: "status", verdict: unknownRaw(`GitHub said: Bearer ${secret}`) }
    ]
    const board = recordFailure(
      boardAfter([[leaky, verdicts]], { finishedAt: NOW - 1_000_000, intervalMillis: 60_000 }),
      NOW,
      `died quoting ${secret}`
    )
    it.each([
      ["/", renderStatusPage(board, "https://github.com", NOW)],
      ["/cctray.xml", renderCctray(board, "https://github.com")],
      ["/metrics", exposition(metricFamilies(board), "prometheus")]
    ])("%s", (_path, body) => {
      expect(body.toLowerCase()).not.toContain(secret.toLowerCase())
      expect(body).toContain("[redacted]")
    })
  })
})

describe("bounds: 1,000 targets of the worst GitHub can send", () => {
  // Every character escapes to five or six bytes; every item has a long link; far more items
  // than a row shows; a reason of 1 MB; a huge name.
  const worstName = "&\"<".repeat(2_000)
  const worstUrl = `https://ci.example/${"&'".repeat(200)}`
  const verdicts: ReadonlyArray<SourceVerdict> = [
    {
      source: "check_runs",
      verdict: failingRaw(Array.from({ length: 50 }, (_, i) => ({ name: i === 0 ? "<script>".repeat(MB / 8) : worstName, conclusion: worstName, url: worstUrl })))
    },
    { source: "check_suites", verdict: unknownRaw("<".repeat(MB)) },
    { source: "status", verdict: unknownRaw(`${"&".repeat(600)} second reason`) }
  ]
  const targets = Array.from({ length: 1_000 }, (_, i) => target(`hostile/r${i}@main`))
  const board = boardAfter(targets.map((t) => [t, verdicts] as const))
  const page = renderStatusPage(board, "https://github.com", NOW)

  it("the status page stays under 2 MB, each row bounded, with a count of what is left out", () => {
    const bytes = utf8Length(page)
    console.info(`status page for 1,000 worst-case targets: ${bytes} bytes`)
    expect(bytes).toBeLessThan(2 * MB)
    const rows = page.split(`<li class="target `).slice(1)
    expect(rows).toHaveLength(1_000)
    for (const row of rows) expect(utf8Length(row)).toBeLessThan(ROW_DETAIL_BYTES + 600)
    expect(rows[0]).toMatch(/… and \d+ more failing or unknown/)
    expect(page).not.toMatch(/<script/i)
  })

  it("the cctray feed stays small and parses", () => {
    const feed = renderCctray(board, "https://github.com")
    expect(utf8Length(feed)).toBeLessThan(2 * MB)
    const projects = parseCctray(feed)
    expect(projects).toHaveLength(1_000)
    for (const p of projects) expect(p.lastBuildLabel.length).toBeLessThanOrEqual(100)
  })

  it("an unknown-only row is bounded too", () => {
    const unknownOnly = boardAfter([[target("acme/u@main"), [{ source: "status", verdict: unknownRaw("<".repeat(MB)) }]]])
    const row = renderStatusPage(unknownOnly, "https://github.com", NOW).split(`<li class="target `)[1] ?? ""
    expect(utf8Length(row)).toBeLessThan(ROW_DETAIL_BYTES + 600)
  })

  it("a stalled board's note is scrubbed and cut too", () => {
    const stalled = recordFailure(boardAfter([[target("acme/a@main"), []]], { finishedAt: NOW - 1_000_000 }), NOW, "x".repeat(MB))
    expect(utf8Length(renderStatusPage(stalled, "https://github.com", NOW))).toBeLessThan(10_000)
  })

  it("metrics label values from the configuration: cut, and read by the parser", () => {
    const tagged = target("acme/t@main", [`note:${"\"\\\n\r\u0000".repeat(1_000)}`])
    const text = exposition(metricFamilies(boardAfter([[tagged, []]])), "openmetrics")
    expect(text.length).toBeLessThan(20_000)
    expect(() => parseExposition(text, "openmetrics")).not.toThrow()
  })
})

describe("renderCache: a body per board state, not per request", () => {
  it("renders once per state and variant, and again for a new state", () => {
    const cache = renderCache()
    let renders = 0
    const render = () => `body ${++renders}`
    const first = boardAfter([[target("acme/a@main"), []]])
    const a = cache(first, "prometheus", render)
    expect(cache(first, "prometheus", render)).toBe(a)
    expect(renders).toBe(1)
    cache(first, "openmetrics", render)
    expect(renders).toBe(2)
    const next = { ...first }
    cache(next, "prometheus", render)
    expect(renders).toBe(3)
  })

  it("keeps a few variants of a state only (a stale note changes every second)", () => {
    const cache = renderCache()
    const state = emptyBoard([], 1_000, 0)
    let renders = 0
    for (let i = 0; i < 100; i++) cache(state, `note ${i}`, () => `page ${++renders}`)
    expect(renders).toBe(100)
    // The newest variants are still there; the oldest were dropped.
    cache(state, "note 99", () => `page ${++renders}`)
    expect(renders).toBe(100)
    cache(state, "note 0", () => `page ${++renders}`)
    expect(renders).toBe(101)
  })
})
