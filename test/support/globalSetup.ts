import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"

/** The end-to-end tests run the real bundled CLI: build it from the current source first. */
export default function setup(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url))
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "inherit" })
}
