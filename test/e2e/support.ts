/** Runs the real CLI as a child process, and writes configuration files to temporary directories. */
import { spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

export const root = fileURLToPath(new URL("../..", import.meta.url))
const bin = join(root, "bin", "github-ci-monitor.mjs")

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface CliOptions {
  /** Only these variables (plus PATH and HOME) reach the process: nothing leaks in from the test runner. */
  readonly env?: Record<string, string>
  readonly cwd?: string
  readonly timeoutMs?: number
}

/** `node bin/github-ci-monitor.mjs ...args`; killed (and reported with code null) after the timeout. */
export const runCli = (args: ReadonlyArray<string>, options: CliOptions = {}): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? tmpDir(),
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? tmpdir(), NO_COLOR: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => {
      stderr += `\n[runCli: killed after ${options.timeoutMs ?? 20_000} ms]`
      child.kill("SIGKILL")
    }, options.timeoutMs ?? 20_000)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

/** A fresh temporary directory. */
export const tmpDir = (): string => mkdtempSync(join(tmpdir(), "gcm-e2e-"))

/** Writes `text` to `name` (default `config.yml`) in `dir` (default a fresh temporary directory); gives its path. */
export const writeConfig = (text: string, name = "config.yml", dir = tmpDir()): string => {
  const file = join(dir, name)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
  return file
}
