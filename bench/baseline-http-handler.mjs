// The baseline's job (bench/baseline-handler.mjs) over node:http instead of fetch, for reference:
// how much of a cold start is the transport. node:http(s) is taken with process.getBuiltinModule,
// as the bundled handler takes it (an ESM import of node:http would load undici for its
// WebSocket getters), with a keep-alive agent like the handler's.
import { makeHandler } from "./baseline-handler.mjs"

const agents = new Map()
const agentFor = (protocol) => {
  const mod = process.getBuiltinModule(protocol === "https:" ? "node:https" : "node:http")
  if (!agents.has(protocol)) agents.set(protocol, new mod.Agent({ keepAlive: true }))
  return { mod, agent: agents.get(protocol) }
}

export const handler = makeHandler((url, init) =>
  new Promise((resolve, reject) => {
    const { mod, agent } = agentFor(new URL(url).protocol)
    const request = mod.request(url, { method: init.method, headers: init.headers, agent }, (response) => {
      const chunks = []
      response.on("data", (chunk) => chunks.push(chunk))
      response.on("end", () => resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString("utf8") }))
      response.on("error", reject)
    })
    request.on("error", reject)
    request.end(init.body)
  })
)
