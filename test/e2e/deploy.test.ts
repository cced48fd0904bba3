/**
 * The deploy files against the code they deploy: the Kubernetes CronJob's and Deployment's
 * commands, run by the real CLI with the ConfigMap's configuration and the Secret's variables
 * (GitHub and Datadog being the fakes), and the SAM template's function, schedule and policy.
 */
import { load } from "js-yaml"
import { readFileSync } from "node:fs"
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
