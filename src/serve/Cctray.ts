/**
 * `/cctray.xml`: the feed CCMenu, Nevergreen, BuildNotify and CCTray read — one Project per
 * target, in the cctray format (activity Sleeping/Building/CheckingModifications,
 * lastBuildStatus Success/Failure/Unknown).
 */
import type { BoardState, TargetView } from "./Board.ts"
import { failingItems, runningNames, targetViews, unknownDetails } from "./Board.ts"
import { commitsUrl } from "./Links.ts"
import { shown } from "./Text.ts"

/** A label is a short summary; CCMenu shows it in a menu line. */
const LABEL_CHARS = 100

/**
 * XML 1.0 attribute text: markup characters escaped, characters XML cannot carry dropped. (What
 * reaches it has been through `shown` already; this keeps the feed well formed on its own.)
 */
export const escapeXml = (text: string): string =>
  text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\t/g, "&#9;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;")

/** `2024-05-01T10:32:05Z`: ISO 8601 without the milliseconds some readers choke on. */
export const isoSeconds = (epochMillis: number): string => new Date(epochMillis).toISOString().replace(/\.\d{3}Z$/, "Z")

/** The summary of a target, scrubbed and cut: only the first few names can fit in it anyway. */
const label = (view: TargetView): string => {
  const cut = (text: string) => shown(text, LABEL_CHARS)
  const few = (items: ReadonlyArray<string>) => items.slice(0, 10).map(cut)
  switch (view.level) {
    case "pending":
      return "not checked yet"
    case "ok":
      return "passing"
    case "failing": {
      const names = [...new Set(failingItems(view.verdicts).map((i) => i.name))]
      return cut(`${names.length} failing: ${few(names).join(", ")}`)
    }
    case "unknown":
      return cut(`unknown: ${few(unknownDetails(view.verdicts)).join("; ")}`)
  }
}

const buildStatus = { ok: "Success", failing: "Failure", unknown: "Unknown", pending: "Unknown" } as const

export const renderCctray = (state: BoardState, web: string): string => {
  const projects = targetViews(state).map((view) => {
    const activity = view.level === "pending" ? "CheckingModifications" : runningNames(view.verdicts).length > 0 ? "Building" : "Sleeping"
    const attributes: ReadonlyArray<readonly [string, string]> = [
      ["name", shown(view.key, 1_000)],
      ["activity", activity],
      ["lastBuildStatus", buildStatus[view.level]],
      ["lastBuildLabel", label(view)],
      ["lastBuildTime", isoSeconds(view.since ?? state.startedAt)],
      ["webUrl", shown(commitsUrl(web, view.target), 2_000)]
    ]
    return `  <Project ${attributes.map(([k, v]) => `${k}="${escapeXml(v)}"`).join(" ")}/>`
  })
  return ['<?xml version="1.0" encoding="UTF-8"?>', "<Projects>", ...projects, "</Projects>", ""].join("\n")
}
