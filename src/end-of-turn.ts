let turn: Promise<void> | undefined

/**
 * Settles once the event loop has run the callbacks of this turn's input: the requests that
 * arrived together. Answers that wait for it are written back to back, so a busy client is
 * woken once for the lot rather than once per answer, which on loopback costs more than a
 * lookup from the cache. Log lines, and the searches sent on one LDAP connection, that wait for
 * it go out as one write each. One timer serves every waiter of a turn.
 */
export function endOfTurn(): Promise<void> {
  turn ??= new Promise((resolve) =>
    setImmediate(() => {
      turn = undefined
      resolve()
    }),
  )
  return turn
}
