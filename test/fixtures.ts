/** A config with in-memory customers shaped like HelpSpot's Live Lookup examples. */
export const PROTOCOL_CONFIG = `
server:
  keys: ["right-key-123"]
  deadline: 2s
connectors:
  people:
    type: memory
    records:
      - { id: "12334", first: Bob, last: Jones, email: bjones@sampleinc.com, phone: 845-555-4278,
          city: New York, company: Sample Inc, vip: "yes" }
      - { id: "12335", first: Bill, last: Jones, email: bill@sampleinc.com, phone: 845-555-0000,
          city: Boston, company: Sample Inc }
      - { id: "12336", first: Nomail, last: Jones, email: "", phone: 845-555-1111, city: Albany,
          company: Sample Inc }
      - { id: "500", first: Zoë, last: Ångström, email: zoe@example.org, phone: "", city: Malmö,
          company: "Smith & Wesson <Ltd>" }
    rules:
      - when: [customer_id]
        match: { id: "{customer_id}" }
      - when: [email]
        match: { email: "{email}" }
      - when: [sEmail]
        match: { email: "{sEmail}" }
      - when: [last_name]
        match: { last: "{last_name}*" }
    map:
      customer_id: id
      first_name: first
      last_name: last
      email: email
      phone: phone
      Custom1: city
      organization: company
      highlight: vip
    html:
      admin_link: <a href="https://crm.example.com/c/{customer_id}">Open {organization} in CRM</a>
  codes:
    type: memory
    records:
      - { code: "#4878", name: Support }
      - { code: "#9978", name: Emergency Support }
      - { code: "0", name: Support placeholder }
      - { code: "#7000", name: Support für Ærø & Łódź }
    rules: []
sources:
  customers:
    connectors: [people]
    columns: [first_name, last_name, email]
    labels: { Custom1: City }
  book:
    connectors: [people]
fields:
  support_level:
    connector: codes
    rules:
      - when: [term]
        match: { name: "{term}*" }
    value: code
    description: name
  support_latin1:
    connector: codes
    rules:
      - when: [term]
        match: { name: "{term}*" }
    value: code
    description: name
    encoding: iso-8859-1
`
