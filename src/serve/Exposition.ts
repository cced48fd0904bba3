/**
 * The metrics text formats scrapers read: Prometheus text 0.0.4 and OpenMetrics 1.0, chosen by
 * the request's `Accept`. Small on purpose (gauges and counters are all we expose); checked
 * against the Prometheus project's own parsers in the tests.
 */

export type MetricsFormat = "prometheus" | "openmetrics"

export const contentTypes: Readonly<Record<MetricsFormat, string>> = {
  prometheus: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
}

export interface Sample {
  readonly labels: ReadonlyArray<readonly [name: string, value: string]>
  readonly value: number
}

export interface Family {
  /** Without the `_total` of a counter: the writer adds it where each format wants it. */
  readonly name: string
  readonly help: string
  readonly type: "gauge" | "counter"
  readonly samples: ReadonlyArray<Sample>
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/**
 * Any text as a valid label name: invalid characters become `_`, a leading digit gets a `_`
 * before it, and the `__` prefix Prometheus reserves for itself is avoided (`tag__…`).
 */
export const sanitizeLabelName = (text: string): string => {
  const name = text.replace(/[^a-zA-Z0-9_]/g, "_")
  const safe = /^[0-9]/.test(name) ? `_${name}` : name === "" ? "_" : name
  return safe.startsWith("__") ? `tag${safe}` : safe
}

/**
 * Label values escape backslash, double quote and newline (both formats). The formats have no
 * escape for other control characters, and a CR, NUL or U+2028 breaks some scrapers' lines:
 * those become U+FFFD, as does a lone surrogate (not valid UTF-8).
 */
export const escapeLabelValue = (value: string): string =>
  value
    .replace(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
    .replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")

/** HELP escapes backslash and newline; OpenMetrics also the double quote. */
const escapeHelp = (text: string, format: MetricsFormat): string => {
  const plain = text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")
  return format === "openmetrics" ? plain.replace(/"/g, "\\\"") : plain
}

const formatValue = (value: number): string =>
  Number.isNaN(value) ? "NaN" : value === Infinity ? "+Inf" : value === -Infinity ? "-Inf" : String(value)

/**
 * Which format to answer with: OpenMetrics when `Accept` names `application/openmetrics-text`
 * (version 1.0.0, 0.0.1 or none) with a quality at least that of the plain text it offers;
 * otherwise Prometheus text, which is also the answer to no `Accept` or to `*\/*`.
 */
export const negotiate = (accept: string | undefined): MetricsFormat => {
  let openmetrics = 0
  let text = 0
  for (const range of (accept ?? "").split(",")) {
    const [type = "", ...params] = range.split(";").map((p) => p.trim())
    const param = (name: string) =>
      params.map((p) => p.split("=")).find(([k]) => k?.trim().toLowerCase() === name)?.[1]?.trim().replace(/^"|"$/g, "")
    const q = Number(param("q") ?? "1")
    const quality = Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0
    const version = param("version")
    const mediaType = type.toLowerCase()
    if (mediaType === "application/openmetrics-text" && (version === undefined || version === "1.0.0" || version === "0.0.1")) {
      openmetrics = Math.max(openmetrics, quality)
    } else if (mediaType === "text/plain" && (version === undefined || version === "0.0.4")) {
      text = Math.max(text, quality)
    }
  }
  return openmetrics > 0 && openmetrics >= text ? "openmetrics" : "prometheus"
}

/** The exposition of `families` in `format`, every line ending in `\n` (OpenMetrics with `# EOF`). */
export const exposition = (families: ReadonlyArray<Family>, format: MetricsFormat): string => {
  const lines: Array<string> = []
  for (const family of families) {
    if (!metricName.test(family.name)) throw new Error(`invalid metric name ${JSON.stringify(family.name)}`)
    const sampleName = family.type === "counter" ? `${family.name}_total` : family.name
    // OpenMetrics names the counter family without `_total`; the Prometheus text format with it.
    const familyName = format === "openmetrics" ? family.name : sampleName
    lines.push(`# HELP ${familyName} ${escapeHelp(family.help, format)}`)
    lines.push(`# TYPE ${familyName} ${family.type}`)
    for (const sample of family.samples) {
      const labels = sample.labels.map(([name, value]) => {
        if (!labelName.test(name)) throw new Error(`invalid label name ${JSON.stringify(name)}`)
        return `${name}="${escapeLabelValue(value)}"`
      })
      lines.push(`${sampleName}${labels.length > 0 ? `{${labels.join(",")}}` : ""} ${formatValue(sample.value)}`)
    }
  }
  if (format === "openmetrics") lines.push("# EOF")
  return lines.join("\n") + "\n"
}
