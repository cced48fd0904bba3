/**
 * GitHub's secondary rate limit, kept to: at most `perMinute` points in any rolling 60 s for one
 * credential (900 for REST, a GET costing 1; 2,000 for GraphQL, a query costing 1), and a pause
 * when GitHub says the limit was hit anyway (`retry-after`, or its "secondary rate limit"
 * message). Beyond it GitHub answers 403/429 and may block the token for longer.
 */
import { Clock, Duration, Effect } from "effect"

export const WINDOW_MILLIS = 60_000

export interface Pacer {
  /**
   * Waits for this request's turn: the point it spends starts no sooner than 60 s after the
   * point `perMinute` places before it, nor while paused. Gives how long it waited (ms);
   * fails with the wait instead of waiting when that would end after `by` (epoch ms).
   */
  readonly take: (by: number | undefined) => Effect.Effect<number, { readonly waitMillis: number }>
  /** GitHub said to stop until `untilMillis`: every request of this credential waits for it. */
  readonly pause: (untilMillis: number) => Effect.Effect<void>
  readonly perMinute: number
}

export const makePacer = (perMinute: number): Effect.Effect<Pacer> =>
  Effect.gen(function*() {
    const size = Math.max(1, Math.floor(perMinute))
    // When each of the last `size` points was (or will be) spent, oldest at `next`: the next
    // point may start 60 s after it. A ring: O(1) a request, whatever the number of targets.
    const spent = new Array<number>(size).fill(Number.NEGATIVE_INFINITY)
    let next = 0
    let pausedUntil = 0
    const lock = yield* Effect.makeSemaphore(1)

    const reserve = (by: number | undefined) =>
      lock.withPermits(1)(Effect.map(Clock.currentTimeMillis, (now) => {
        const at = Math.max(now, spent[next]! + WINDOW_MILLIS, pausedUntil)
        if (by !== undefined && at > by) return { wait: at - now, granted: false }
        spent[next] = at
        next = (next + 1) % size
        return { wait: at - now, granted: true }
      }))

    return {
      perMinute: size,
      take: (by) =>
        Effect.flatMap(reserve(by), ({ granted, wait }) =>
          !granted
            ? Effect.fail({ waitMillis: wait })
            : wait > 0
            ? Effect.as(Effect.sleep(Duration.millis(wait)), wait)
            : Effect.succeed(0)),
      pause: (until) => lock.withPermits(1)(Effect.sync(() => {
        pausedUntil = Math.max(pausedUntil, until)
      }))
    }
  })
