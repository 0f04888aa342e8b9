import { describe, expect, it } from 'vitest'

import { pickFields } from './records.js'

const contact = {
  attributes: { type: 'Contact', url: '/services/data/v62.0/sobjects/Contact/003' },
  Id: '003',
  Email: 'bob@example.com',
  HasOptedOutOfEmail: false,
  NumberOfEmployees__c: 12,
  Title: null,
  Account: {
    attributes: { type: 'Account', url: '/x' },
    Name: 'Sample & Co',
    Owner: { Email: 'o@x.io' },
  },
  Owner: null,
  MailingAddress: {
    street: '1 Main St',
    city: 'Springfield',
    state: null,
    postalCode: '12345',
    country: 'US',
  },
}

describe('pickFields', () => {
  it('reads plain and nested relationship fields by their dotted names', () => {
    expect(pickFields(contact, ['Id', 'Account.Name', 'Account.Owner.Email'])).toEqual({
      Id: '003',
      'Account.Name': 'Sample & Co',
      'Account.Owner.Email': 'o@x.io',
    })
  })

  it('matches field names case-insensitively', () => {
    expect(pickFields(contact, ['email', 'account.name'])).toEqual({
      email: 'bob@example.com',
      'account.name': 'Sample & Co',
    })
  })

  it('leaves out empty values, missing relationships and the attributes', () => {
    expect(
      pickFields(contact, ['Title', 'Owner.Email', 'attributes', 'attributes.type', 'Nope']),
    ).toEqual({})
  })

  it('shows numbers, booleans and addresses as text', () => {
    expect(
      pickFields(contact, ['NumberOfEmployees__c', 'HasOptedOutOfEmail', 'MailingAddress']),
    ).toEqual({
      NumberOfEmployees__c: '12',
      HasOptedOutOfEmail: 'false',
      MailingAddress: '1 Main St, Springfield, 12345, US',
    })
  })
})
