#!/usr/bin/env node
// Extracts GitHub's own example response bodies from its official OpenAPI description into
// test/fixtures/github-examples.json, so the fake GitHub serves what the real API documents.
//
//   npm install --prefix /tmp/octo --no-save @octokit/openapi   # ~385 MB, never a dependency
//   node scripts/extract-github-fixtures.mjs /tmp/octo/node_modules/@octokit/openapi
import fs from "node:fs"
import path from "node:path"

const pkgDir = process.argv[2]
if (!pkgDir) {
  console.error("usage: node scripts/extract-github-fixtures.mjs PATH/TO/node_modules/@octokit/openapi")
  process.exit(2)
}
const readJson = (file) => JSON.parse(fs.readFileSync(path.join(pkgDir, file), "utf8"))
const pkg = readJson("package.json")
const spec = readJson("generated/api.github.com.json")
const examples = spec.components.examples

// Fixture key -> component name in `components.examples`. The description has no example named
// for `basic-error`; `code-scanning-bad-request` is the one example whose body is exactly that
// schema (message, documentation_url, status).
const wanted = {
  "combined-commit-status": "combined-commit-status",
  "check-run": "check-run",
  "check-run-paginated": "check-run-paginated",
  "check-suite": "check-suite",
  "check-suite-paginated": "check-suite-paginated",
  "basic-error": "code-scanning-bad-request"
}

const out = {
  _origin: {
    package: `${pkg.name}@${pkg.version}`,
    file: "generated/api.github.com.json",
    openapi_info_version: spec.info.version,
    components: Object.fromEntries(Object.entries(wanted).map(([key, name]) => [key, `#/components/examples/${name}`]))
  }
}
for (const [key, name] of Object.entries(wanted)) {
  const example = examples[name]
  if (!example || example.value === undefined) throw new Error(`no example value for components.examples.${name}`)
  out[key] = example.value
}
// Keep the schema's property list beside the example, so a reader sees which fields are documented.
out._origin.basic_error_properties = Object.keys(spec.components.schemas["basic-error"].properties)

const target = new URL("../test/fixtures/github-examples.json", import.meta.url)
fs.mkdirSync(new URL(".", target), { recursive: true })
fs.writeFileSync(target, JSON.stringify(out, null, 2) + "\n")
console.log(`wrote ${path.relative(process.cwd(), target.pathname)} from ${out._origin.package}`)
