#!/usr/bin/env node
// Launcher for `npx github-ci-monitor`: runs the bundled CLI that `npm install` builds.
import { existsSync } from "node:fs"

const bundle = new URL("../dist/cli.mjs", import.meta.url)
if (!existsSync(bundle)) {
  console.error("github-ci-monitor: dist/cli.mjs is missing; run `npm install` (or `npm run build`) in the project first")
  process.exit(1)
}
await import(bundle.href)
