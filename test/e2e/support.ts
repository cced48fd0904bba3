/** Runs the real CLI as a child process, and writes configuration files to temporary directories. */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
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

/** `node bin/github-ci-monitor.mjs ...args` to its end; killed (and reported with code null) after the timeout. */
export const runCli = (args: ReadonlyArray<string>, options: CliOptions = {}): Promise<CliResult> => startCli(args, options).result

/** A fresh temporary directory. */
export const tmpDir = (): string => mkdtempSync(join(tmpdir(), "gcm-e2e-"))

/** Writes `text` to `name` (default `config.yml`) in `dir` (default a fresh temporary directory); gives its path. */
export const writeConfig = (text: string, name = "config.yml", dir = tmpDir()): string => {
  const file = join(dir, name)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
  return file
}

/** A process started by `startProcess`: its output so far, and how it ended. */
export interface Running {
  readonly child: ChildProcess
  /** Everything written to stdout so far. */
  readonly stdout: () => string
  /** Everything written to stderr so far. */
  readonly stderr: () => string
  /** Resolves when the process has exited and its output is closed. */
  readonly result: Promise<CliResult>
}

/**
 * Starts `command ...args` with only `options.env` (plus PATH, HOME and NO_COLOR) in its
 * environment; killed (and reported with code null) after the timeout.
 */
export const startProcess = (command: string, args: ReadonlyArray<string>, options: CliOptions = {}): Running => {
  const timeoutMs = options.timeoutMs ?? 20_000
  const child = spawn(command, [...args], {
    cwd: options.cwd ?? tmpDir(),
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? tmpdir(), NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  const result = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      stderr += `\n[startProcess: killed after ${timeoutMs} ms]`
      child.kill("SIGKILL")
    }, timeoutMs)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
  return { child, stdout: () => stdout, stderr: () => stderr, result }
}

/** `command ...args` to its end (see `startProcess`). */
export const runProcess = (command: string, args: ReadonlyArray<string>, options: CliOptions = {}): Promise<CliResult> =>
  startProcess(command, args, options).result

/** The bundled CLI (`node bin/github-ci-monitor.mjs ...args`), started and left running. */
export const startCli = (args: ReadonlyArray<string>, options: CliOptions = {}): Running =>
  startProcess(process.execPath, [bin, ...args], options)

/** Polls `condition` every 25 ms until it holds; fails with `what` after `timeoutMs`. */
export const waitFor = async (what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const until = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
