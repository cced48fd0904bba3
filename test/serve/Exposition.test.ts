import { describe, expect, it } from "@effect/vitest"
import type { Family } from "../../src/serve/Exposition.ts"
import { contentTypes, escapeLabelValue, exposition, negotiate, sanitizeLabelName } from "../../src/serve/Exposition.ts"
import { family, parseExposition } from "./support.ts"

/** What Prometheus itself sends when it scrapes (scrape_protocols default, Prometheus 2.x/3.x). */
const prometheusAccept =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

describe("negotiate: Accept → format", () => {
  it.each([
    [undefined, "prometheus"],
    ["", "prometheus"],
    ["*/*", "prometheus"],
    ["text/plain", "prometheus"],
    ["text/plain; version=0.0.4", "prometheus"],
    ["application/openmetrics-text", "openmetrics"],
    ["application/openmetrics-text; version=1.0.0; charset=utf-8", "openmetrics"],
    ["Application/OpenMetrics-Text;version=0.0.1", "openmetrics"],
    [prometheusAccept, "openmetrics"],
    ["text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5", "prometheus"],
    ["application/openmetrics-text;q=0", "prometheus"],
    ["application/openmetrics-text;version=2.0.0", "prometheus"],
    ["application/json", "prometheus"]
  ] as const)("%j → %s", (accept, format) => {
    expect(negotiate(accept)).toBe(format)
  })

  it("names the content types scrapers expect", () => {
    expect(contentTypes.prometheus).toBe("text/plain; version=0.0.4; charset=utf-8")
    expect(contentTypes.openmetrics).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8")
  })
})

describe("label names and values", () => {
  it.each([
    ["team", "team"],
    ["cost-center", "cost_center"],
    ["k8s.io/app", "k8s_io_app"],
    ["9lives", "_9lives"],
    ["__name__", "tag__name__"],
    ["ünïcode", "_n_code"],
    ["", "_"]
  ])("%j → %j", (tag, label) => {
    expect(sanitizeLabelName(tag)).toBe(label)
    expect(label).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
    expect(label.startsWith("__")).toBe(false)
  })

  it("escapes backslash, double quote and newline in values", () => {
    expect(escapeLabelValue("a\\b\"c\nd")).toBe("a\\\\b\\\"c\\nd")
  })
})

const hostile = "back\\slash \"quoted\" new\nline, {braces}=x ünï 🚦"
const families: ReadonlyArray<Family> = [
  {
    name: "demo_status",
    type: "gauge",
    help: "A help with \\ backslash, \"quotes\" and a\nnewline.",
    samples: [
      { labels: [["owner", "acme"], ["ref", "release/v2"], ["note", hostile]], value: 1 },
      { labels: [["owner", "acme"], ["ref", "main"], ["note", ""]], value: 0.25 }
    ]
  },
  { name: "demo_requests", type: "counter", help: "Requests.", samples: [{ labels: [["result", "ok"]], value: 12 }] },
  { name: "demo_empty", type: "gauge", help: "No samples yet.", samples: [] },
  { name: "demo_big", type: "gauge", help: "Seconds.", samples: [{ labels: [], value: 1_795_981_985.439 }] }
]

describe("exposition, read back by the Prometheus project's parsers", () => {
  it.each(["prometheus", "openmetrics"] as const)("%s: every value and label survives the round trip", (format) => {
    const text = exposition(families, format)
    const parsed = parseExposition(text, format)
    const status = family(parsed, "demo_status")
    expect(status.type).toBe("gauge")
    expect(status.help).toBe("A help with \\ backslash, \"quotes\" and a\nnewline.")
    expect(status.samples.map((s) => [s.labels, s.value])).toEqual([
      [{ owner: "acme", ref: "release/v2", note: hostile }, 1],
      [{ owner: "acme", ref: "main", note: "" }, 0.25]
    ])
    const requests = family(parsed, "demo_requests")
    expect(requests.type).toBe("counter")
    expect(requests.samples).toEqual([{ name: "demo_requests_total", labels: { result: "ok" }, value: 12 }])
    expect(family(parsed, "demo_empty").samples).toEqual([])
    expect(family(parsed, "demo_big").samples[0]?.value).toBe(1_795_981_985.439)
  })

  it("Prometheus text: the counter's HELP/TYPE carry `_total`; no `# EOF`", () => {
    const text = exposition(families, "prometheus")
    expect(text).toContain("# TYPE demo_requests_total counter\ndemo_requests_total{result=\"ok\"} 12\n")
    expect(text).not.toContain("# EOF")
    expect(text.endsWith("\n")).toBe(true)
  })

  it("OpenMetrics: the counter family is named without `_total`, and the text ends with `# EOF`", () => {
    const text = exposition(families, "openmetrics")
    expect(text).toContain("# TYPE demo_requests counter\ndemo_requests_total{result=\"ok\"} 12\n")
    expect(text.endsWith("\n# EOF\n")).toBe(true)
  })

  it("the strict OpenMetrics parser refuses the Prometheus text (so the test above is not vacuous)", () => {
    expect(() => parseExposition(exposition(families, "prometheus"), "openmetrics")).toThrow(/parser rejected/)
  })

  it("refuses to write an invalid metric or label name", () => {
    expect(() => exposition([{ name: "bad-name", type: "gauge", help: "", samples: [] }], "prometheus")).toThrow(/invalid metric name/)
    expect(() =>
      exposition([{ name: "ok_name", type: "gauge", help: "", samples: [{ labels: [["bad-label", "x"]], value: 1 }] }], "prometheus")
    ).toThrow(/invalid label name/)
  })
})
