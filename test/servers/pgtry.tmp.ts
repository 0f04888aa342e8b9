import { startPostgres } from './postgres.js'
const t = Date.now()
const s = await startPostgres()
console.log('up', Date.now() - t, s.port)
console.log((await s.sql('select version()')).rows)
await s.stop(); console.log('stopped'); await s.start(); console.log((await s.sql('select 1 as x')).rows)
await s.destroy(); console.log('done', Date.now() - t)
