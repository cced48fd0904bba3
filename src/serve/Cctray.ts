/**
 * `/cctray.xml`: the feed CCMenu, Nevergreen, BuildNotify and CCTray read — one Project per
 * target, in the cctray format (activity Sleeping/Building/CheckingModifications,
 * lastBuildStatus Success/Failure/Unknown).
 */
import type { BoardState, TargetView } from "./Board.ts"
import { failingItems, runningNames, targetViews, unknownDetails } from "./Board.ts"
import { commitsUrl } from "./Links.ts"

/** XML 1.0 attribute text: markup characters escaped, characters XML cannot carry dropped. */
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

const label = (view: TargetView): string => {
  const cut = (text: string) => (text.length <= 100 ? text : `${text.slice(0, 99)}…`)
  switch (view.level) {
    case "pending":
      return "not checked yet"
    case "ok":
      return "passing"
    case "failing": {
      const names = [...new Set(failingItems(view.verdicts).map((i) => i.name))]
      return cut(`${names.length} failing: ${names.join(", ")}`)
    }
    case "unknown":
      return cut(`unknown: ${unknownDetails(view.verdicts).join("; ")}`)
  }
}

const buildStatus = { ok: "Success", failing: "Failure", unknown: "Unknown", pending: "Unknown" } as const

export const renderCctray = (state: BoardState, web: string): string => {
  const projects = targetViews(state).map((view) => {
    const activity = view.level === "pending" ? "CheckingModifications" : runningNames(view.verdicts).length > 0 ? "Building" : "Sleeping"
    const attributes: ReadonlyArray<readonly [string, string]> = [
      ["name", view.key],
      ["activity", activity],
      ["lastBuildStatus", buildStatus[view.level]],
      ["lastBuildLabel", label(view)],
      ["lastBuildTime", isoSeconds(view.since ?? state.startedAt)],
      ["webUrl", commitsUrl(web, view.target)]
    ]
    return `  <Project ${attributes.map(([k, v]) => `${k}="${escapeXml(v)}"`).join(" ")}/>`
  })
  return ['<?xml version="1.0" encoding="UTF-8"?>', "<Projects>", ...projects, "</Projects>", ""].join("\n")
}
