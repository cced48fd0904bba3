/** Links a person follows from the board to GitHub's web pages (github.com or GitHub Enterprise). */
import type { Target } from "../domain/Target.ts"

/**
 * The web address that goes with a REST API URL: `https://api.github.com` → `https://github.com`,
 * GHES `https://HOST/api/v3` → `https://HOST`, GHE.com `https://api.SUB.ghe.com` → `https://SUB.ghe.com`;
 * anything else (a proxy, a test server) → its origin.
 */
export const webBase = (apiUrl: string): string => {
  const url = new URL(apiUrl)
  if (url.hostname === "api.github.com") return "https://github.com"
  if (/\/api\/v3\/?$/.test(url.pathname)) return `${url.origin}${url.pathname.replace(/\/api\/v3\/?$/, "")}`
  if (url.hostname.startsWith("api.") && url.hostname.endsWith(".ghe.com")) return `${url.protocol}//${url.host.slice(4)}`
  return url.origin
}

/** The ref's commit list, where each commit shows its checks: `{web}/{owner}/{repo}/commits/{ref}`. */
export const commitsUrl = (web: string, target: Pick<Target, "owner" | "repo" | "ref">): string =>
  `${web}/${encodeURIComponent(target.owner)}/${encodeURIComponent(target.repo)}/commits/${
    target.ref.split("/").map(encodeURIComponent).join("/")
  }`

/** Only http(s) links are shown as links: a commit status's `target_url` is whatever its poster set. */
export const safeHref = (url: string | undefined): string | undefined => {
  if (url === undefined) return undefined
  try {
    const parsed = new URL(url)
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : undefined
  } catch {
    return undefined
  }
}
