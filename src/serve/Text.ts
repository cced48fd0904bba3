/**
 * Every piece of text `serve` shows passes through here first: the one scrubber, then control
 * characters made harmless, then a cut. Sources already cut and scrub what they keep; serve does
 * it again because its pages are public (it listens on 0.0.0.0) and must stay small whatever
 * it is given.
 */
import { scrub } from "../domain/Scrub.ts"

/**
 * How far past the cut the scrubber still looks, so a secret that starts before the cut and
 * ends after it is still found whole (tokens are a few hundred characters at most).
 */
const SCRUB_MARGIN = 4_096

/** Line breaks and tabs of any kind: read as a space on a page. */
const spaceLike = /[\t\n\v\f\r\u0085\u2028\u2029]/g
const loneSurrogate = String.raw`[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]`
/** Other C0 and C1 controls, DEL, the noncharacters XML refuses, and lone surrogates. */
const unprintable = new RegExp(String.raw`[\u0000-\u001F\u007F-\u009F\uFFFE\uFFFF]|${loneSurrogate}`, "g")
/** The same, and line breaks other than the line feed, but not the line feed itself. */
const unprintableInLabel = new RegExp(String.raw`[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029\uFFFE\uFFFF]|${loneSurrogate}`, "g")

/** At most `max` characters, cut with `…`, never between the two halves of a surrogate pair. */
export const cutText = (text: string, max: number): string => {
  if (text.length <= max) return text
  let end = Math.max(0, max - 1)
  if (end > 0 && /[\uD800-\uDBFF]/.test(text[end - 1] ?? "")) end -= 1
  return `${text.slice(0, end)}…`
}

/** Text for a page or a feed: scrubbed, line breaks as spaces, other controls as U+FFFD, cut to `max`. */
export const shown = (text: string, max: number): string =>
  cutText(scrub(text.slice(0, max + SCRUB_MARGIN)).replace(spaceLike, " ").replace(unprintable, "\uFFFD"), max)

/**
 * Text for a metric label value: like `shown`, but a line feed is kept (the exposition formats
 * escape it as `\n`); every other control becomes U+FFFD, so no scraper sees a broken line.
 */
export const labelText = (text: string, max: number): string =>
  cutText(scrub(text.slice(0, max + SCRUB_MARGIN)).replace(unprintableInLabel, "\uFFFD"), max)

/** The UTF-8 length of `text`, in bytes (lone surrogates count as the 3 bytes of U+FFFD). */
export const utf8Length = (text: string): number => {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

/**
 * `text` escaped by `escape` in at most `maxBytes` bytes of UTF-8: escaping can make text five
 * times longer (`&` → `&amp;`), so the cut is made on the escaped size, a character at a time,
 * never inside an entity.
 */
export const escapeWithin = (text: string, maxBytes: number, escape: (text: string) => string): string => {
  const whole = escape(text)
  if (utf8Length(whole) <= maxBytes) return whole
  const ellipsis = "…"
  let out = ""
  let bytes = utf8Length(ellipsis)
  for (const char of text) {
    const piece = escape(char)
    const size = utf8Length(piece)
    if (bytes + size > maxBytes) break
    out += piece
    bytes += size
  }
  return out + ellipsis
}
