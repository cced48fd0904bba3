// What the bench reads from the CLI's stderr, in one place: the line after a cycle changed
// shape over time ("sent 3 of 3 checks to … in 31426 ms" gave the whole cycle's time; now
// "sent 3 of 3 checks to … in 12 ms (cycle 31.4 s): …" gives the delivery's and the cycle's apart).

/**
 * The last cycle's summary line: checks delivered and in all, and the cycle's wall time (ms; the
 * CLI prints it to 0.1 s above one second). Undefined when no such line was printed.
 */
export const parseSent = (stderr) => {
  const lines = stderr.split("\n").filter((l) => /sent \d+ of \d+ checks to /.test(l))
  const line = lines[lines.length - 1]
  if (line === undefined) return undefined
  const [, delivered, total] = /sent (\d+) of (\d+) checks to /.exec(line)
  const cycle = /\(cycle ([\d.]+) (ms|s)\)/.exec(line)
  const old = /checks to .* in (\d+) ms/.exec(line)
  const cycleMs = cycle ? Number(cycle[1]) * (cycle[2] === "s" ? 1000 : 1) : old ? Number(old[1]) : NaN
  return { delivered: Number(delivered), total: Number(total), cycleMs, line }
}

/** The CLI's last lines that start with its name (its own messages), for a failure's report. */
export const lastWords = (stderr, n = 2) =>
  stderr.split("\n").filter((l) => l.startsWith("github-ci-monitor")).slice(-n).join(" | ") || stderr.slice(-300)
