/**
 * Writes the demo address book: fictional contacts drawn from fixed lists by a seeded generator,
 * so the same command always writes the same file. The benchmarks use it for larger books.
 *
 *     npx tsc && node dist/config/generate-demo.js 360 > config/demo-contacts.csv
 */
import { pathToFileURL } from 'node:url'

/** The columns of the demo address book, in file order. */
export const DEMO_COLUMNS = [
  'id',
  'first',
  'last',
  'email',
  'phone',
  'company',
  'title',
  'notes',
  'vip',
] as const

/** One contact, with the columns of the demo file. */
export type DemoContact = Readonly<Record<(typeof DEMO_COLUMNS)[number], string>>

const FIRST_NAMES = `
  Alice, Bob, Carol, David, Emma, Frank, Grace, Henry, Isabel, Jack, Karen, Liam, Maya, Nora,
  Oliver, Priya, Quentin, Rosa, Samuel, Tara, Umar, Vera, William, Xavier, Yuki, Zara,
  Hannah, Ethan, Mia, Lucas, Sofia, Mateo, Aisha, Kenji, Mei, Olga, Dmitri, Fatima, Ingrid,
  Niamh, Zoë, José, Chloé, Renée, Søren, Björn, Åsa, Łukasz, François, Noémie, Siobhán,
  Ángel, İlker, Mónica, Jürgen, Benoît, Anaïs, Thandiwe, Ravi, Leila, Tomás, Agnieszka,
  Declan, Helga, Marisol, Nikolai, Ruth, Stefan, Tobias, Ursula, Wen, Yasmin
`
  .trim()
  .split(/,\s*/)

const LAST_NAMES = `
  Smith, Smith, Smith, Smith, García, García, García, García, Jones, Jones, Müller, Müller,
  Ångström, Johnson, Williams, Brown, Nguyen, Martínez, O'Connor, Kowalski, Dubois, Rossi,
  Schäfer, Sørensen, Lefèvre, Novák, Petrović, Yılmaz, Núñez, Çelik, Okafor, Patel, Kim,
  Tanaka, Fischer, Weiß, Becker, Hoffmann, Lindqvist, D'Angelo, Smith-Jones, García-López,
  Andersen, Brennan, Castillo, Delacroix, Eriksson, Fitzgerald, Gonçalves, Haddad, Ivanova,
  Jensen, Kaur, Larsen, Mbeki, Nakamura, Ortega, Papadopoulos, Quinlan, Reyes, Sato,
  Thompson, Van der Berg, Wójcik, Zhang, Æbelø
`
  .trim()
  .split(/,\s*/)

/** Company name -> mail domain, all under the reserved example domains. */
const COMPANIES: readonly (readonly [string, string])[] = [
  ['Smith & Sons Hardware', 'smithandsons.example.com'],
  ['Harbor & Pine Legal', 'harborpine.example.com'],
  ['Kestrel Analytics', 'kestrel.example.com'],
  ['Maple Row Bakery', 'maplerow.example.org'],
  ['Nordlicht GmbH', 'nordlicht.example.net'],
  ['Café Lumière', 'cafelumiere.example.org'],
  ['Fjordvik AS', 'fjordvik.example.net'],
  ['Clínica Dental Solaris', 'solaris.example.org'],
  ['Tanaka Precision Ltd', 'tanaka-precision.example.com'],
  ['Brightwater Schools', 'brightwater.example.org'],
  ['Copperleaf Design Studio', 'copperleaf.example.com'],
  ['Granite Peak Outfitters', 'granitepeak.example.com'],
  ['Silverline Insurance', 'silverline.example.com'],
  ['Redwood & Co. Accountants', 'redwoodco.example.com'],
  ['Lumen Health Partners', 'lumenhealth.example.org'],
  ['Bäckerei Sonnenschein', 'sonnenschein.example.net'],
  ['Quillon Publishing', 'quillon.example.com'],
  ['Meridian Freight', 'meridianfreight.example.com'],
  ['Tidewater Marine Supply', 'tidewater.example.com'],
  ['Zephyr Cloud Hosting', 'zephyrcloud.example.net'],
  ['Ironbridge Engineering', 'ironbridge.example.com'],
  ['Lantern Lane Books', 'lanternlane.example.org'],
  ['Blue Heron Veterinary', 'blueheron.example.com'],
  ['Cedar & Stone Architects', 'cedarstone.example.com'],
  ['Polaris Travel', 'polaristravel.example.net'],
  ['Marigold Events', 'marigold.example.org'],
  ['Østergaard Møbler', 'ostergaard.example.net'],
  ['Łódź Print House', 'lodzprint.example.net'],
]

const TITLES = `
  Office Manager, IT Director, Accounts Payable, Operations Lead, Owner, CFO,
  Head of Support, Procurement Specialist, Systems Administrator, Practice Manager,
  Project Coordinator, Marketing Manager, Facilities Manager, Chief Executive,
  Help Desk Analyst, Finance Assistant, Logistics Planner, Principal
`
  .trim()
  .split(/,\s*/)

const NOTES = [
  '',
  '',
  '',
  '',
  '',
  'Prefers phone, not email',
  'Renewal due in March',
  'Annual contract; invoices quarterly',
  'Said "call after 3pm"',
  'Primary contact for billing',
  'Speaks French and German',
  'Escalate outages to the on-call engineer',
  'Uses the <legacy> portal',
  'Referral from a partner',
  'Out of office on Fridays',
  'Needs invoices in PDF & paper',
  'Asked for a 50% discount',
]

const AREA_CODES = ['212', '312', '415', '503', '617', '720', '845', '919']

/** Deterministic pseudo-random numbers in [0, 1) from a 32-bit seed (mulberry32). */
function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state)
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Lower-case ASCII for a mail address: `Zoë Æbelø` -> `zoe.aebelo`. */
function mailbox(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/æ/g, 'ae')
    .replace(/[øó]/g, 'o')
    .replace(/ł/g, 'l')
    .replace(/ı/g, 'i')
    .replace(/[^a-z0-9]+/g, '')
}

/** `count` fictional contacts; the same `count` and `seed` always give the same contacts. */
export function generateContacts(count: number, seed = 20_240_601): DemoContact[] {
  const next = seeded(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!
  const taken = new Map<string, number>()
  const width = Math.max(4, String(count + 1000).length)

  return Array.from({ length: count }, (_, at) => {
    const first = pick(FIRST_NAMES)
    const last = pick(LAST_NAMES)
    const [company, domain] = pick(COMPANIES)
    const base = `${mailbox(first)}.${mailbox(last)}@${domain}`
    const seen = taken.get(base) ?? 0
    taken.set(base, seen + 1)
    const email = seen === 0 ? base : base.replace('@', `${seen + 1}@`)
    const line = String(Math.floor(next() * 100)).padStart(2, '0')
    const phone =
      next() < 0.2
        ? `+44 20 7946 0${String(Math.floor(next() * 1000)).padStart(3, '0')}`
        : `(${pick(AREA_CODES)}) 555-01${line}`

    return {
      id: `c${String(1001 + at).padStart(width, '0')}`,
      first,
      last,
      email: next() < 0.04 ? '' : email,
      phone,
      company,
      title: next() < 0.05 ? '' : pick(TITLES),
      notes: pick(NOTES),
      vip: next() < 0.1 ? 'yes' : '',
    }
  })
}

/** One CSV field, quoted when it holds a separator, a quote, a line break or edge spaces. */
function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

/** Records as CSV text: a header row of `columns`, then one line per record (missing = empty). */
export function csvText(
  columns: readonly string[],
  records: readonly Readonly<Record<string, string>>[],
): string {
  const lines = [columns, ...records.map((record) => columns.map((column) => record[column] ?? ''))]
  return lines.map((fields) => `${fields.map(csvField).join(',')}\n`).join('')
}

/** The contacts as CSV text with the demo columns. */
export function contactsCsv(contacts: readonly DemoContact[]): string {
  return csvText(DEMO_COLUMNS, contacts)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(contactsCsv(generateContacts(Number(process.argv[2] ?? 360))))
}
