/**
 * `/`: the board as a page for a wall screen or a phone — a row per target, red/green/grey, the
 * failing checks with their links, the time of the last cycle. Server-rendered, no JavaScript
 * (the page refreshes itself); every piece of text from GitHub or the configuration is escaped.
 */
import type { BoardState, TargetView } from "./Board.ts"
import { failingItems, health, runningNames, targetViews, unknownDetails } from "./Board.ts"
import { commitsUrl, safeHref } from "./Links.ts"

export const REFRESH_SECONDS = 30

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

const utc = (epochMillis: number) => new Date(epochMillis).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " UTC")
const time = (epochMillis: number) =>
  `<time datetime="${new Date(epochMillis).toISOString()}">${escapeHtml(utc(epochMillis))}</time>`

const link = (text: string, url: string | undefined) => {
  const href = safeHref(url)
  return href === undefined ? escapeHtml(text) : `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`
}

const levelText = { ok: "passing", failing: "failing", unknown: "unknown", pending: "not checked yet" } as const

const details = (view: TargetView): string => {
  switch (view.level) {
    case "pending":
      return `<p class="detail">waiting for the first cycle</p>`
    case "failing": {
      const items = failingItems(view.verdicts).map((i) =>
        `<li class="check">${link(i.name, i.url)} <span class="conclusion">${escapeHtml(i.conclusion)}</span></li>`
      )
      const unknown = unknownDetails(view.verdicts).map((d) => `<li class="also">also unknown: ${escapeHtml(d)}</li>`)
      return `<ul class="checks">${[...items, ...unknown].join("")}</ul>`
    }
    case "unknown":
      return `<ul class="checks">${unknownDetails(view.verdicts).map((d) => `<li class="reason">${escapeHtml(d)}</li>`).join("")}</ul>`
    case "ok": {
      const running = runningNames(view.verdicts)
      return running.length > 0 ? `<p class="detail">still running: ${escapeHtml(running.join(", "))}</p>` : ""
    }
  }
}

const row = (view: TargetView, web: string): string =>
  [
    `<li class="target ${view.level}" data-target="${escapeHtml(view.key)}" data-level="${view.level}">`,
    `<div class="head"><span class="badge">${levelText[view.level]}</span> `,
    `<a class="name" href="${escapeHtml(commitsUrl(web, view.target))}">${escapeHtml(view.key)}</a>`,
    view.since === undefined ? "" : ` <span class="since">since ${time(view.since)}</span>`,
    `</div>`,
    details(view),
    `</li>`
  ].join("")

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
  const stale = last !== undefined && !h.healthy ? `<p class="note">${escapeHtml(h.message)}</p>` : ""
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
