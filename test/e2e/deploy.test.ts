/**
 * The deploy files against the code they deploy: the Kubernetes CronJob's and Deployment's
 * commands, run by the real CLI with the ConfigMap's configuration and the Secret's variables
 * (GitHub and Datadog being the fakes), the SAM template's function, schedule and policy, and
 * the Datadog monitors against what the README says they wait for.
 */
import { load } from "js-yaml"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import type { FakeDatadog } from "../support/FakeDatadog.ts"
import type { RefSpec } from "../support/FakeGitHub.ts"
import { serversOfThisFile } from "../support/servers.ts"
import { root, runCli, startCli, tmpDir, waitFor, writeConfig } from "./support.ts"

const TOKEN = "ghp_DeployFilesT0kenNeverPrinted0123456"
const KEY = "deployfilesddkeyneverprinted0123456789"

const yamlFile = (path: string): any => load(readFileSync(join(root, path), "utf8"))

interface Container {
  readonly args: ReadonlyArray<string>
  readonly envFrom?: ReadonlyArray<{ readonly secretRef?: { readonly name: string } }>
  readonly env?: ReadonlyArray<{ readonly name: string; readonly value: string }>
  readonly volumeMounts: ReadonlyArray<{ readonly name: string; readonly mountPath: string }>
}

const configMap = yamlFile("deploy/kubernetes/configmap.yaml")
const secret = yamlFile("deploy/kubernetes/secret.example.yaml")
const cronJob = yamlFile("deploy/kubernetes/cronjob.yaml")
const deployment = yamlFile("deploy/kubernetes/deployment.yaml")

const { github, datadog } = serversOfThisFile()
const green: RefSpec = { statuses: [{ context: "ci/jenkins", state: "success" }], checkRuns: [{ name: "build" }], checkSuites: [{}] }
const red: RefSpec = { ...green, checkRuns: [{ name: "build" }, { name: "e2e", conclusion: "failure" }] }

/**
 * The process a pod would run: the container's args with the config volume at a temporary
 * directory holding the ConfigMap's files, the Secret's keys (with test values) and the
 * container's own variables, GitHub and Datadog pointed at the fakes.
 */
const pod = async (podSpec: { containers: ReadonlyArray<Container>; volumes: ReadonlyArray<{ name: string; configMap?: { name: string } }> }) => {
  const [container] = podSpec.containers
  if (container === undefined) throw new Error("no container")
  const dir = tmpDir()
  for (const mount of container.volumeMounts) {
    const volume = podSpec.volumes.find((v) => v.name === mount.name)
    expect(volume?.configMap?.name, `volume ${mount.name}`).toBe(configMap.metadata.name)
    for (const [file, text] of Object.entries(configMap.data as Record<string, string>)) writeConfig(text, file, dir)
  }
  const mountPath = container.volumeMounts[0]?.mountPath ?? "/config"
  const args = container.args.map((a) => a.startsWith(`${mountPath}/`) ? join(dir, a.slice(mountPath.length + 1)) : a)
  expect(container.envFrom?.map((e) => e.secretRef?.name)).toEqual([secret.metadata.name])
  const secretValues: Record<string, string> = { GITHUB_TOKEN: TOKEN, DD_API_KEY: KEY }
  const fromSecret = Object.fromEntries(Object.keys(secret.stringData as Record<string, string>).map((k) => [k, secretValues[k] ?? "unset"]))
  const gh = await github({ token: TOKEN, repos: { "acme/api@main": green, "acme/web@main": red } })
  const dd = await datadog({ apiKey: KEY })
  const env = {
    ...fromSecret,
    ...Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value])),
    GITHUB_API_URL: gh.url,
    DD_API_URL: dd.url
  }
  return { args, env, dd }
}

const byRepo = (dd: FakeDatadog) =>
  Object.fromEntries(dd.checks.filter((c) => c.tags.some((t) => t.startsWith("repo:"))).map((c) => [
    c.tags.find((t) => t.startsWith("repo:"))?.slice(5),
    c.status
  ]))

describe("deploy/kubernetes", () => {
  it("the Secret holds the variables the tool reads for its token and key", () => {
    expect(Object.keys(secret.stringData).sort()).toEqual(["DD_API_KEY", "GITHUB_TOKEN"])
  })

  it("the CronJob's command runs one cycle over the ConfigMap's targets with the Secret's variables, exit 0", async () => {
    const { args, env, dd } = await pod(cronJob.spec.jobTemplate.spec.template.spec)
    expect(args.slice(0, 2)).toEqual(["run", "--once"])
    const r = await runCli(args, { env })
    expect(r.code, r.stderr).toBe(0)
    expect(byRepo(dd)).toEqual({ api: 0, web: 1 })
    expect(dd.checks.every((c) => c.tags.includes("team:platform"))).toBe(true)
    expect(r.stdout + r.stderr).not.toContain(TOKEN)
  })

  it("the Deployment's command is the daemon: a cycle at start, and SIGTERM exits 0", async () => {
    const { args, env, dd } = await pod(deployment.spec.template.spec)
    expect(args[0]).toBe("run")
    expect(args).not.toContain("--once")
    const daemon = startCli(args, { env, timeoutMs: 20_000 })
    await waitFor("the first cycle's checks", () => dd.checks.length >= 3, 15_000)
    daemon.child.kill("SIGTERM")
    const r = await daemon.result
    expect(r.code, r.stderr).toBe(0)
    expect(byRepo(dd)).toEqual({ api: 0, web: 1 })
  })
})

describe("template.yaml (AWS SAM)", () => {
  // CloudFormation's short tags (!Ref, !Sub) as plain strings, for reading the template.
  const template: any = load(
    readFileSync(join(root, "template.yaml"), "utf8").replace(/(:\s*|-\s*)!(Ref|Sub|GetAtt)\s+(.+)$/gm, (_, lead, tag, rest) => `${lead}"!${tag} ${rest.trim()}"`)
  )
  const fn = template.Resources.GitHubCIMonitorFunction.Properties

  it("runs the `handler` export of the file `npm run build:lambda` writes, on Node 22 or 24, arm64", () => {
    const [file, exported] = String(fn.Handler).split(".")
    // test/e2e/lambda.test.ts invokes that export of that very file.
    expect(join(fn.CodeUri, `${file}.mjs`)).toBe(join("dist", "lambda", "index.mjs"))
    expect(exported).toBe("handler")
    expect(template.Parameters.Runtime.AllowedValues).toEqual(["nodejs22.x", "nodejs24.x"])
    expect(fn.Runtime).toBe("!Ref Runtime")
    expect(fn.Architectures).toEqual(["arm64"])
  })

  it("runs every 5 minutes by default, with the configuration from its parameter", () => {
    expect(template.Parameters.Schedule.Default).toBe("rate(5 minutes)")
    expect(fn.Events.Every.Properties.ScheduleExpression).toBe("!Ref Schedule")
    expect(fn.Environment.Variables.CONFIG).toBe("!Ref Config")
  })

  it("may read the configured secret and nothing else", () => {
    expect(fn.Policies).toEqual([
      { Statement: [{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "!Ref SecretArn" }] }
    ])
  })
})

/**
 * Datadog's service check monitors count consecutive results: `thresholds.critical: 2` alerts
 * after two CRITICAL results in a row, and the query's `.last(N)` is how many of the latest
 * results are looked at, which must be at least the largest threshold
 * (https://docs.datadoghq.com/monitors/types/service_check/). Each monitor's message and the
 * README's table say what it waits for; these tests hold the numbers to the thresholds.
 */
describe("deploy/datadog/monitors against the README", () => {
  interface Monitor {
    readonly type: string
    readonly query: string
    readonly message: string
    readonly options: {
      readonly thresholds: Record<string, number>
      readonly notify_no_data?: boolean
      readonly no_data_timeframe?: number
    }
  }
  const dir = "deploy/datadog/monitors"
  const files = readdirSync(join(root, dir)).filter((f) => f.endsWith(".json")).sort()
  const monitor = (file: string): Monitor => JSON.parse(readFileSync(join(root, dir, file), "utf8"))
  const readme = readFileSync(join(root, "README.md"), "utf8")
  const section = readme.slice(readme.indexOf("## Datadog monitors"), readme.indexOf("\n## ", readme.indexOf("## Datadog monitors") + 3))
  /** The README's table: monitor file → what it alerts after, what resolves it. */
  const table = new Map(
    [...section.matchAll(/^\| `([\w-]+\.json)` \| ([^|]+) \| ([^|]+) \|$/gm)].map((m) => [m[1]!, { alerts: m[2]!.trim(), resolves: m[3]!.trim() }])
  )
  const serviceChecks = files.filter((f) => monitor(f).type === "service check")
  /** The numbers of "N consecutive" in a text, in order. */
  const consecutive = (text: string) => [...text.matchAll(/(\d+) consecutive/g)].map((m) => Number(m[1]))

  it("the README's table names every monitor file, and only those", () => {
    expect([...table.keys()].sort()).toEqual(files)
    expect(serviceChecks.length).toBeGreaterThanOrEqual(3)
  })

  it.each(serviceChecks)("%s: last(N) looks at as many results as its largest threshold needs", (file) => {
    const m = monitor(file)
    const last = Number(/\.last\((\d+)\)/.exec(m.query)?.[1])
    expect(last).toBeGreaterThanOrEqual(Math.max(...Object.values(m.options.thresholds)))
  })

  it.each(serviceChecks)("%s: alerts after the consecutive results the README and its message say, resolves on as many OKs", (file) => {
    const { options: { thresholds }, message } = monitor(file)
    const row = table.get(file)!
    // Failing is WARNING (status 1) by default and CRITICAL with failing_status: 2: both wait alike.
    expect(thresholds["warning"], "warning and critical wait for as many").toBe(thresholds["critical"])
    const [failing, unknown] = consecutive(row.alerts)
    expect(failing, `README: ${row.alerts}`).toBe(thresholds["critical"])
    expect(unknown, `README on UNKNOWN: ${row.alerts}`).toBe(thresholds["unknown"])
    expect(row.resolves).toBe(`${thresholds["ok"]} OK result`)
    const waits = message.slice(message.indexOf("Waits for"))
    expect(waits, "the message says what it waits for").toMatch(/^Waits for /)
    expect(consecutive(waits), waits).toEqual(thresholds["unknown"] === undefined ? [thresholds["critical"]] : [thresholds["critical"], thresholds["unknown"]])
    expect(waits).toContain(`${thresholds["ok"]} ${thresholds["ok"] === 1 ? "OK result resolves" : "OK results resolve"} it`)
  })

  it.each(files.filter((f) => monitor(f).options.notify_no_data === true))("%s: waits as long for no data as the README and its message say", (file) => {
    const { options, message } = monitor(file)
    const minutes = `${options.no_data_timeframe} minutes without`
    expect(table.get(file)!.alerts).toContain(minutes)
    expect(message.slice(message.indexOf("Waits for"))).toContain(minutes)
  })

  it("the metric monitor alerts on the first scrape at 1 or 3 and resolves after its window at 0, as the README says", () => {
    const file = "pull-status-metric.json"
    const m = monitor(file)
    const window = /^max\(last_(\d+)m\):max:[\w.]+\{\*\} by \{[\w,]+\} >= (\d+)$/.exec(m.query)
    expect(m.type).toBe("query alert")
    expect(window?.[2]).toBe("1")
    expect(m.options.thresholds).toEqual({ critical: 1 })
    expect(table.get(file)).toEqual({ alerts: `the first scrape at 1 or 3: a metric monitor, \`max(last_${window?.[1]}m)\` at least 1`, resolves: `${window?.[1]} minutes at 0` })
    expect(m.message).toContain(`it resolves once ${window?.[1]} minutes hold only 0`)
  })

  it("the README's API example is the push monitor's query and thresholds, and its text waits for as many cycles", () => {
    const example = /-d '(\{[\s\S]*?\})'\n```/.exec(section)?.[1]
    expect(example).toBeDefined()
    const posted = JSON.parse(example!) as Monitor
    const file = monitor("push-ci-ok-service-check.json")
    expect(posted.type).toBe(file.type)
    expect(posted.query).toBe(file.query)
    const { unknown: _, ...withoutUnknown } = file.options.thresholds
    expect(posted.options.thresholds).toEqual(withoutUnknown)
    const words = ["zero", "one", "two", "three", "four", "five"]
    expect(section).toContain(`It waits for ${words[posted.options.thresholds["critical"]!]} consecutive failing results of a target`)
    expect(section).not.toMatch(/`last\(2\)` waits for two/)
  })
})
