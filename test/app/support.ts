/** A GitHub App's key pair, and settings read the way the CLI reads them, for the App tests. */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { generateKeyPairSync } from "node:crypto"
import { ConfigProvider, Effect } from "effect"
import type { Overrides } from "../../src/config/Settings.ts"
import { loadSettings } from "../../src/config/Settings.ts"
import type { FakeGitHubOptions, RefSpec } from "../support/FakeGitHub.ts"
import { startFakeGitHub } from "../support/FakeGitHub.ts"

/** An RSA key pair as GitHub hands out an App's private key (PKCS#1 PEM). */
export const keyPair = () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" }
  })
  return { privateKey, publicKey }
}

export const APP_ID = 424242

export const green: RefSpec = { statuses: [{ context: "ci", state: "success" }], checkRuns: [{ name: "build" }], checkSuites: [{}] }
export const red: RefSpec = {
  statuses: [{ context: "ci", state: "failure", target_url: "https://ci.example.com/1" }],
  checkRuns: [{ name: "test", conclusion: "failure" }],
  checkSuites: [{ conclusion: "failure" }]
}

export const fakeGitHub = (options: FakeGitHubOptions) =>
  Effect.acquireRelease(Effect.promise(() => startFakeGitHub(options)), (gh) => Effect.promise(() => gh.close()))

/** Settings from a configuration object and an environment, as `run` reads them. */
export const settingsFrom = (config: object, env: Record<string, string>, overrides: Overrides = {}) =>
  loadSettings({ configText: { source: "test", text: JSON.stringify(config) }, ...overrides }).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
    Effect.provide(NodeContext.layer),
    Effect.provide(FetchHttpClient.layer)
  )

export const target = (key: string) => {
  const [name = "", ref = ""] = key.split("@")
  const [owner = "", repo = ""] = name.split("/")
  return { owner, repo, ref }
}
