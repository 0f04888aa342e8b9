import { generateKeyPairSync, verify } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { defaultAudience, signAssertion } from './auth.js'
import { authFlowOf, salesforceOptions } from './options.js'

describe('defaultAudience', () => {
  it('is the production or test login server for a My Domain, else the login URL', () => {
    expect(defaultAudience('https://acme.my.salesforce.com')).toBe('https://login.salesforce.com')
    expect(defaultAudience('https://acme--uat.sandbox.my.salesforce.com')).toBe(
      'https://test.salesforce.com',
    )
    for (const sandbox of ['acme--uat.my.salesforce.com', 'fun-dog-42.scratch.my.salesforce.com']) {
      expect(defaultAudience(`https://${sandbox}`), sandbox).toBe('https://test.salesforce.com')
    }
    expect(defaultAudience('https://test.salesforce.com')).toBe('https://test.salesforce.com')
    expect(defaultAudience('https://login.salesforce.com')).toBe('https://login.salesforce.com')
  })
})

describe('signAssertion', () => {
  it('signs the claims with RS256 so the public key verifies them', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const [header, claims, signature] = signAssertion(
      'id',
      'user@x.io',
      'https://login.salesforce.com',
      privateKey,
    ).split('.')

    expect(
      verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${claims}`),
        publicKey,
        Buffer.from(signature!, 'base64url'),
      ),
    ).toBe(true)
    expect(JSON.parse(Buffer.from(claims!, 'base64url').toString())).toMatchObject({
      iss: 'id',
      sub: 'user@x.io',
      aud: 'https://login.salesforce.com',
    })
  })
})

describe('salesforceOptions', () => {
  it('infers the flow from the credentials given', () => {
    expect(authFlowOf({})).toBe('clientCredentials')
    expect(authFlowOf({ password: 'p' })).toBe('password')
    expect(authFlowOf({ privateKey: 'k.pem', password: 'p' })).toBe('jwt')
    expect(authFlowOf({ auth: 'password', privateKey: 'k.pem' })).toBe('password')
  })

  it('defaults the login URL and a current API version', () => {
    expect(salesforceOptions.parse({ clientId: 'i', clientSecret: 's' })).toEqual({
      loginUrl: 'https://login.salesforce.com',
      clientId: 'i',
      clientSecret: 's',
      apiVersion: '62.0',
    })
    expect(
      salesforceOptions.parse({ clientId: 'i', clientSecret: 's', apiVersion: 'v63.0' }).apiVersion,
    ).toBe('63.0')
  })

  it('reads the API version as a number or a string, with or without v and .0', () => {
    const version = (apiVersion: unknown) =>
      salesforceOptions.safeParse({ clientId: 'i', clientSecret: 's', apiVersion }).data?.apiVersion
    for (const written of [62, 62.0, '62', 'v62', '62.0', 'v62.0', 'V62.0', ' 62 ']) {
      expect(version(written)).toBe('62.0')
    }
    for (const written of [62.5, '62.5', '6', 'latest', 'v', '', '62.0.0']) {
      expect(version(written)).toBeUndefined()
    }
  })

  it('refuses a proxy login that is not valid percent-encoding, without showing it', () => {
    const parsed = salesforceOptions.safeParse({
      clientId: 'i',
      clientSecret: 's',
      proxy: 'http://relay:100%@proxy.example.com:3128',
    })
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([
      'the proxy login is not valid percent-encoding (write % as %25)',
    ])
    expect(JSON.stringify(parsed.error?.issues)).not.toContain('100%')
  })

  it('asks for the keys the chosen flow needs', () => {
    const issues = (options: object): string[] =>
      salesforceOptions
        .safeParse(options)
        .error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? []

    expect(issues({ auth: 'jwt', clientId: 'i' })).toEqual([
      'username: is required for auth: jwt',
      'privateKey: is required for auth: jwt',
    ])
    expect(issues({ username: 'u', password: 'p', clientId: 'i' })).toEqual([
      'clientSecret: clientId and clientSecret go together',
    ])
    expect(
      issues({ clientId: 'i', clientSecret: 's', loginUrl: 'http://login.salesforce.com' }),
    ).toHaveLength(1)
    expect(issues({ clientId: 'i', clientSecret: 's', loginUrl: 'http://127.0.0.1:8080' })).toEqual(
      [],
    )
  })
  it('takes an http:// proxy, with or without a login, and nothing else', () => {
    const proxyIssues = (proxy: string): string[] =>
      salesforceOptions
        .safeParse({ clientId: 'i', clientSecret: 's', proxy })
        .error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? []

    expect(proxyIssues('http://proxy.example.com:3128')).toEqual([])
    expect(proxyIssues('http://user:p%40ss@proxy.example.com:3128')).toEqual([])
    for (const wrong of [
      'proxy.example.com:3128',
      'https://proxy.example.com',
      'socks5://p:1080',
    ]) {
      expect(proxyIssues(wrong), wrong).toEqual([
        'proxy: expected an http:// proxy URL such as http://proxy.example.com:3128',
      ])
    }
  })
})
