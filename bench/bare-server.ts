/**
 * The benchmark ceiling: a Hono route on @hono/node-server that answers every request with the
 * same small `<livelookup>` body, doing no lookup at all. Run in its own process:
 *
 *     node dist/bench/bare-server.js <port> [busy microseconds per request] [batched]
 *
 * With a busy time, each request first spins that long: a server as slow as a gateway doing
 * real work, but with none of its code, to show what a slower server costs on this machine.
 * `batched` holds each answer until the end of the event loop's turn, as the gateway does.
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

import { endOfTurn } from '../src/end-of-turn.js'

const BODY =
  '<?xml version="1.0" encoding="utf-8"?>' +
  '<livelookup version="1.0" columns="first_name,last_name,email">' +
  '<customer><customer_id>c1001</customer_id><first_name>Bob</first_name>' +
  '<last_name>Smith</last_name><email>bob.smith@example.com</email></customer></livelookup>'

const port = Number(process.argv[2] ?? 8089)
const busyMs = Number(process.argv[3] ?? 0) / 1000
const batched = process.argv[4] === 'batched'
const app = new Hono()
app.get('/healthz', (c) => c.text('ok'))
app.all('*', async (c) => {
  if (busyMs > 0) {
    const until = performance.now() + busyMs
    while (performance.now() < until);
  }
  if (batched) await endOfTurn()
  return c.body(BODY, 200, { 'content-type': 'text/xml; charset=utf-8' })
})

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' })
process.on('SIGTERM', () => server.close(() => process.exit(0)))
