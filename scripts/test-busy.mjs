// `npm run test:busy`: the whole suite (`tsc --noEmit`, then `vitest run`) on a busy machine —
// beside CPU-burning processes, as many as the cores × 2 — so tests that run processes or time
// things show whether they allow for load (issue 16: on a loaded 2-core machine, 8 real-CLI
// fault tests were killed at their 20 s limit and passed on a rerun).
//
// Env: TEST_BUSY_FACTOR (2: burners per core). Arguments go to vitest
// (`npm run test:busy -- test/faults` runs only those, still beside the burners).
// The burners are this script's children, ended by their pids when the suite ends, fails or is
// interrupted; each also exits by itself when this script is gone (it watches its parent).
import { spawn } from "node:child_process"
import os from "node:os"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length
const factor = Number(process.env.TEST_BUSY_FACTOR || 2)
const count = Math.max(1, Math.round(cores * factor))
const say = (line) => console.error(`test-busy: ${line}`)

// A busy loop that checks every second or so whether its parent is still there (a burner must
// not outlive a test run that was killed with SIGKILL).
const burn = `const parent = ${process.pid}; let n = 0, t = Date.now();
for (;;) { if (++n % 1e7 === 0 && Date.now() - t > 1000) { t = Date.now(); try { process.kill(parent, 0) } catch { process.exit(0) } } }`
const burners = []
const stopBurners = () => {
  for (const b of burners.splice(0)) {
    try {
      b.kill("SIGKILL")
    } catch { /* gone */ }
  }
}

/** Runs a command to its end with the terminal's stdio; gives its exit code. */
const run = (cmd, args) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: "inherit" })
    child.on("error", (e) => {
      say(`${cmd} could not start: ${e.message}`)
      resolve(1)
    })
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)))
  })

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    stopBurners()
    process.exit(130)
  })
}
process.on("exit", stopBurners)

const started = performance.now()
for (let i = 0; i < count; i++) {
  burners.push(spawn(process.execPath, ["-e", burn], { stdio: "ignore" }))
}
say(`${count} CPU-burning processes beside the suite (${cores} cores × ${factor}), pids ${burners.map((b) => b.pid).join(" ")}`)
const bin = (name) => `${root}node_modules/.bin/${name}`
let code = await run(bin("tsc"), ["--noEmit"])
if (code === 0) code = await run(bin("vitest"), ["run", ...process.argv.slice(2)])
else say("tsc --noEmit failed: vitest not run")
stopBurners()
const load = os.loadavg().map((x) => x.toFixed(1)).join(" ")
say(`${code === 0 ? "passed" : `FAILED (exit ${code})`} beside ${count} burners in ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${load}`)
process.exit(code)
