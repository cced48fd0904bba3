/**
 * The Lambda's HTTP client: @effect/platform-node's client over node:http and node:https with
 * keep-alive agents, as Node's global agents keep connections (NodeHttpClient's own agent would
 * not). It follows no redirect: the GitHub client does.
 *
 * node:https — and node:tls under it — is loaded by the first https request, not at import:
 * loading it costs a cold start about 15 ms (`npm run bench`), which a handler whose URLs are all
 * http (a proxy, the benchmark's fakes) never needs — the way fetch loads TLS only for an https
 * connection. The Lambda bundle's build makes the library's own import of node:https lazy to
 * match (scripts/build.mjs). With GitHub and Datadog over https, as in production, the module
 * is loaded at the first request instead: the same cost, later.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect } from "effect"
import * as Http from "node:http"
import type * as Https from "node:https"

const agentOptions: Http.AgentOptions = { keepAlive: true, scheduling: "lifo", timeout: 5000 }

const makeAgents = (): NodeHttpClient.HttpAgent & { destroy(): void } => {
  const http = new Http.Agent(agentOptions)
  let https: Https.Agent | undefined
  return {
    [NodeHttpClient.HttpAgentTypeId]: NodeHttpClient.HttpAgentTypeId,
    http,
    get https() {
      return https ??= new (process.getBuiltinModule("node:https").Agent)(agentOptions)
    },
    destroy: () => {
      http.destroy()
      https?.destroy()
    }
  }
}

/** The client; its agents close their connections when the scope closes. */
export const nodeHttpClient = Effect.acquireRelease(Effect.sync(makeAgents), (agents) => Effect.sync(() => agents.destroy())).pipe(
  Effect.flatMap((agents) => Effect.provideService(NodeHttpClient.make, NodeHttpClient.HttpAgent, agents))
)
