import { describe, expect, it } from 'vitest'

import { ConnectorError } from '../../src/errors.js'
import { testLogger } from '../../test/harness/secrets.js'
import { sqlConnector } from './index.js'
import { sqlOptionsSchema } from './options.js'
import { loadSettings, resolveSettings } from './settings.js'

const parse = (options: Record<string, unknown>) => sqlOptionsSchema.parse(options)

describe('sql options and settings', () => {
  it('takes the URL apart, decoding the user and password', () => {
    const settings = resolveSettings(
      parse({
        dialect: 'mssql',
        url: 'mssql://help%40spot:p%3Ass%2Fword@sql1.example.com:14330/crm',
      }),
    )
    expect(settings).toMatchObject({
      host: 'sql1.example.com',
      port: 14330,
      user: 'help@spot',
      password: 'p:ss/word',
      database: 'crm',
    })
  })

  it('lets discrete keys override the URL and uses the dialect default port', () => {
    const options = parse({
      dialect: 'postgres',
      url: 'postgres://a:b@db/crm',
      password: 'other',
      port: '6543',
    })
    expect(resolveSettings(options)).toMatchObject({ password: 'other', port: 6543, host: 'db' })
    expect(resolveSettings(parse({ dialect: 'mysql', host: 'db' })).port).toBe(3306)
  })

  it('refuses a URL of another dialect and a connector with neither url nor host', () => {
    const wrong = sqlOptionsSchema.safeParse({ dialect: 'mysql', url: 'postgres://db/crm' })
    expect(wrong.error?.issues[0]).toMatchObject({
      path: ['url'],
      message: 'expected a mysql:// or mariadb:// URL',
    })
    const percent = sqlOptionsSchema.safeParse({
      dialect: 'postgres',
      url: 'postgres://u:a%zz@db/crm',
    })
    expect(percent.error?.issues[0]).toMatchObject({
      path: ['url'],
      message: 'the password is not valid percent-encoding (write % as %25)',
    })
    expect(JSON.stringify(percent.error)).not.toContain('a%zz')
    expect(sqlOptionsSchema.safeParse({ dialect: 'mysql' }).error?.issues[0]?.message).toBe(
      'needs a url or a host',
    )
  })

  it('keeps TLS on by default and off only when asked', async () => {
    expect((await loadSettings(parse({ dialect: 'mysql', host: 'db' }), '.')).tls).toEqual({})
    expect(
      (await loadSettings(parse({ dialect: 'mysql', host: 'db', tls: 'false' }), '.')).tls,
    ).toBe(false)
  })

  it('warns once at start when TLS is off, and only then', async () => {
    const { logger, logs } = testLogger('info')
    const context = { name: 'crm', logger, configDir: '.', timeoutMs: 1_000 }
    const plain = sqlConnector.create(parse({ dialect: 'mysql', host: 'db', tls: false }), context)
    const secure = sqlConnector.create(parse({ dialect: 'mysql', host: 'db' }), context)
    expect(logs).toEqual([
      expect.objectContaining({ level: 'warn', event: 'sql_tls_disabled', dialect: 'mysql' }),
    ])
    await Promise.all([plain.close(), secure.close()])
  })

  it('reports an unreadable CA file by name', async () => {
    const options = parse({ dialect: 'mssql', host: 'db', ca: 'missing-ca.pem' })
    const error = await loadSettings(options, '/nonexistent').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConnectorError)
    expect((error as ConnectorError).message).toBe('cannot read the ca file missing-ca.pem')
  })
})
