/**
 * The one scrubber every text leaving the process goes through: check messages (and so the
 * sinks, the status page, cctray and /metrics), logs, the CLI's lines, the Lambda's errors.
 * It removes each known secret in any letter case, and anything that looks like a credential a
 * server may echo: `Bearer …` / `token …` values and GitHub's token formats.
 *
 * Secrets are registered once, where they are read (the settings, the Lambda's secret): the
 * registry is process-wide on purpose, so no output can be built without it.
 */

export const REDACTED = "[redacted]"

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** GitHub's token formats (classic, OAuth, App installation / user / refresh, fine-grained). */
const githubToken = /\b(?:gh[pousr]_[A-Za-z0-9_]{1,251}|github_pat_[A-Za-z0-9_]{1,251})/g
/**
 * `Bearer x`, `token x`, `Basic x` as an Authorization header carries them, when the value looks
 * like one (8+ characters of a token's alphabet): "the token needs read access" keeps its words.
 */
const schemeValue = /\b(bearer|token|basic)(\s+|=|:\s*)[A-Za-z0-9_\-.~+/=:]{8,}/gi

/** A scrubber for exactly these secrets, plus the patterns. Pure: for tests and for `scrub`. */
export const scrubWith = (secrets: Iterable<string>) => {
  const words = [...new Set([...secrets].filter((s) => s !== ""))].sort((a, b) => b.length - a.length)
  const known = words.length === 0 ? undefined : new RegExp(words.map(escapeRegExp).join("|"), "gi")
  return (text: string): string => {
    let out = known === undefined ? text : text.replace(known, REDACTED)
    out = out.replace(githubToken, REDACTED)
    out = out.replace(schemeValue, (_m, scheme: string, sep: string) => `${scheme}${sep}${REDACTED}`)
    return out
  }
}

const registered = new Set<string>()
/** Short-lived credentials (App installation tokens): the newest few, so a daemon's set stays small. */
const transient: Array<string> = []
const TRANSIENT_KEPT = 16
let current = scrubWith(registered)
const rebuild = () => {
  current = scrubWith([...registered, ...transient])
}

/** Like `registerSecret`, for a credential that expires: only the newest few are kept. */
export const registerTransientSecret = (secret: string): void => {
  if (secret === "" || transient.includes(secret)) return
  transient.push(secret)
  if (transient.length > TRANSIENT_KEPT) transient.shift()
  rebuild()
}

/** Makes `scrub` remove this secret from now on (also its JSON-escaped and URL-encoded forms). */
export const registerSecret = (secret: string): void => {
  const forms = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]
  let added = false
  for (const form of forms) {
    if (form !== "" && !registered.has(form)) {
      registered.add(form)
      added = true
    }
  }
  if (added) rebuild()
}

/** Removes every registered secret and every credential-looking value from `text`. */
export const scrub = (text: string): string => current(text)
