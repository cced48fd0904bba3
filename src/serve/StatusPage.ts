/**
 * `/`: the board as a page for a wall screen or a phone — a row per target, red/green/grey, the
 * failing checks with their links, the time of the last cycle. Server-rendered, no JavaScript
 * (the page refreshes itself); every piece of text from GitHub or the configuration is scrubbed,
 * cut and escaped.
 *
 * The page is public and rendered for every target, so each row has a size limit in bytes
 * whatever GitHub sent: 1,000 targets stay well under 2 MB. Each text appears once (no title
 * attribute or data repeating it).
 */
import type { BoardState, TargetView } from "./Board.ts"
import { failingItems, health, runningNames, targetViews, unknownDetails } from "./Board.ts"
import { commitsUrl, safeHref } from "./Links.ts"
import { escapeWithin, shown, utf8Length } from "./Text.ts"

export const REFRESH_SECONDS = 30

/** The most a row's list of checks and reasons takes, in bytes of HTML; the rest is counted, not shown. */
export const ROW_DETAIL_BYTES = 1_200
/** A check's name, a conclusion, a reason: characters shown, and bytes once escaped. */
const NAME_CHARS = 200
const NAME_BYTES = 400
const CONCLUSION_CHARS = 40
const CONCLUSION_BYTES = 240
const REASON_CHARS = 500
const REASON_BYTES = 800
/** A link longer than this (escaped) is shown as text only: no real check link is near it. */
const HREF_BYTES = 500

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

/** GitHub's (or the configuration's) text on the page: scrubbed, controls removed, cut, escaped. */
const text = (value: string, chars: number, bytes: number) => escapeWithin(shown(value, chars), bytes, escapeHtml)

const utc = (epochMillis: number) => new Date(epochMillis).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " UTC")
const time = (epochMillis: number) =>
  `<time datetime="${new Date(epochMillis).toISOString()}">${escapeHtml(utc(epochMillis))}</time>`

/** An http(s) link of a sane length, scrubbed (a query may carry a token); else undefined. */
const href = (url: string | undefined): string | undefined => {
  const safe = url === undefined || url.length > HREF_BYTES ? undefined : safeHref(shown(url, HREF_BYTES))
  const escaped = safe === undefined ? undefined : escapeHtml(safe)
  return escaped === undefined || utf8Length(escaped) > HREF_BYTES ? undefined : escaped
}

const link = (body: string, url: string | undefined) => {
  const h = href(url)
  return h === undefined ? body : `<a href="${h}">${body}</a>`
}

const levelText = { ok: "passing", failing: "failing", unknown: "unknown", pending: "not checked yet" } as const

/**
 * `<li>`s while they fit in ROW_DETAIL_BYTES (the first always does: each is bounded), then one
 * saying how many more there are.
 */
const boundedList = (items: ReadonlyArray<() => string>, what: string): string => {
  let out = ""
  let bytes = 0
  let shownCount = 0
  for (const item of items) {
    const li = item()
    const size = utf8Length(li)
    if (shownCount > 0 && bytes + size > ROW_DETAIL_BYTES) break
    out += li
    bytes += size
    shownCount++
  }
  const rest = items.length - shownCount
  return rest > 0 ? `${out}<li class="more">… and ${rest} more ${what}</li>` : out
}

const details = (view: TargetView): string => {
  switch (view.level) {
    case "pending":
      return `<p class="detail">waiting for the first cycle</p>`
    case "failing": {
      const items = failingItems(view.verdicts).map((i) => () =>
        `<li class="check">${link(text(i.name, NAME_CHARS, NAME_BYTES), i.url)} <span class="conclusion">${
          text(i.conclusion, CONCLUSION_CHARS, CONCLUSION_BYTES)
        }</span></li>`
      )
      const unknown = unknownDetails(view.verdicts).map((d) => () => `<li class="also">also unknown: ${text(d, REASON_CHARS, REASON_BYTES)}</li>`)
      return `<ul class="checks">${boundedList([...items, ...unknown], "failing or unknown")}</ul>`
    }
    case "unknown":
      return `<ul class="checks">${
        boundedList(unknownDetails(view.verdicts).map((d) => () => `<li class="reason">${text(d, REASON_CHARS, REASON_BYTES)}</li>`), "reasons")
      }</ul>`
    case "ok": {
      const running = runningNames(view.verdicts)
      const names = running.slice(0, 10).map((n) => shown(n, NAME_CHARS)).join(", ") + (running.length > 10 ? ` and ${running.length - 10} more` : "")
      return running.length > 0 ? `<p class="detail">still running: ${escapeWithin(names, ROW_DETAIL_BYTES, escapeHtml)}</p>` : ""
    }
  }
}

const row = (view: TargetView, web: string): string => {
  const key = text(view.key, NAME_CHARS, NAME_BYTES)
  const commits = href(commitsUrl(web, view.target))
  return [
    `<li class="target ${view.level}" data-target="${key}" data-level="${view.level}">`,
    `<div class="head"><span class="badge">${levelText[view.level]}</span> `,
    commits === undefined ? `<span class="name">${key}</span>` : `<a class="name" href="${commits}">${key}</a>`,
    view.since === undefined ? "" : ` <span class="since">since ${time(view.since)}</span>`,
    `</div>`,
    details(view),
    `</li>`
  ].join("")
}

const style = `
:root{--ok:#1a7f37;--failing:#cf222e;--unknown:#6e7781;--bg:#fff;--fg:#1f2328;--muted:#59636e;--card:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--ok:#3fb950;--failing:#f85149;--unknown:#9198a1;--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--card:#161b22}}
*{box-sizing:border-box}
body{margin:0;padding:1rem;font:16px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
h1{font-size:1.3rem;margin:0 0 .25rem}
.summary,.note,.since,.detail,.conclusion{color:var(--muted)}
.summary{margin:0 0 1rem}
.note{padding:.5rem .75rem;border-left:4px solid var(--unknown);background:var(--card)}
ul.board{list-style:none;margin:0;padding:0;display:grid;gap:.5rem}
.target{padding:.6rem .8rem;border-left:8px solid var(--unknown);background:var(--card);border-radius:4px;overflow-wrap:anywhere}
.target.ok{border-color:var(--ok)}.target.failing{border-color:var(--failing)}
.badge{display:inline-block;min-width:5.5em;padding:0 .4em;border-radius:3px;color:#fff;background:var(--unknown);font-size:.8rem;font-weight:600;text-align:center;text-transform:uppercase}
.ok .badge{background:var(--ok)}.failing .badge{background:var(--failing)}
.name{font-weight:600;color:inherit}
.since{font-size:.85rem}
ul.checks{margin:.3rem 0 0;padding-left:1.2rem}
.detail{margin:.3rem 0 0}
a{color:inherit}
`

export const renderStatusPage = (state: BoardState, web: string, now: number): string => {
  const views = targetViews(state)
  // Failing first, then unknown, then passing: what needs a person is at the top of the screen.
  const order = { failing: 0, unknown: 1, pending: 2, ok: 3 } as const
  const sorted = [...views].sort((a, b) => order[a.level] - order[b.level])
  const last = state.last
  const counts = last?.result.counts
  const title = counts === undefined
    ? "starting · github-ci-monitor"
    : `${counts.failing > 0 ? `${counts.failing} failing` : counts.unknown > 0 ? `${counts.unknown} unknown` : "all passing"} · github-ci-monitor`
  const summary = last === undefined || counts === undefined
    ? `<p class="summary">${views.length} target${views.length === 1 ? "" : "s"}; the first cycle is running (started ${time(state.startedAt)}).</p>`
    : `<p class="summary">${views.length} target${views.length === 1 ? "" : "s"}: ${counts.ok} passing, ${counts.failing} failing, ${counts.unknown} unknown · last cycle <span class="last-cycle">${
      time(last.finishedAt)
    }</span> (took ${(last.result.durationMillis / 1000).toFixed(1)}s)</p>`
  const h = health(state, now)
  const stale = last !== undefined && !h.healthy ? `<p class="note">${text(h.message, REASON_CHARS, REASON_BYTES)}</p>` : ""
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<header>
<h1>CI status</h1>
${summary}
${stale}
</header>
<main>
<ul class="board">
${sorted.map((v) => row(v, web)).join("\n")}
</ul>
</main>
</body>
</html>
`
}
