import { CONTRACT_PEOPLE } from '../../../connectors/contract-suite.js'

/** One person of the test directory, as an inetOrgPerson under `ou=people`. */
export interface DirectoryPerson {
  readonly uid: string
  readonly givenName: string
  readonly sn: string
  readonly mail?: string | readonly string[]
  readonly telephoneNumber?: string
  readonly o?: string
  /** The uid of this person's manager. */
  readonly manager?: string
  readonly displayName?: string
  /** Gives the entry a small binary JPEG photo. */
  readonly photo?: boolean
}

/** The people every connector's contract suite expects. */
export const CONTRACT_DIRECTORY: readonly DirectoryPerson[] = CONTRACT_PEOPLE.map((person) => ({
  uid: person.id,
  givenName: person.first,
  sn: person.last,
  mail: person.email,
  telephoneNumber: person.phone,
  o: person.company,
}))

/**
 * More people for the LDAP tests: accented and non-Latin names, filter characters in names,
 * shared surnames, a multi-valued mail, a manager, a photo.
 */
export const EXTRA_DIRECTORY: readonly DirectoryPerson[] = [
  {
    uid: 'd2001',
    givenName: 'Jane',
    sn: 'Smith',
    mail: 'jane.smith@example.com',
    o: 'Smith & Sons',
    displayName: 'Jane Smith (Sales)',
    photo: true,
  },
  {
    uid: 'd2002',
    givenName: 'John',
    sn: 'Smith',
    mail: 'john.smith@example.com',
    manager: 'd2001',
  },
  {
    uid: 'd2003',
    givenName: 'Jürgen',
    sn: 'Smith',
    mail: 'juergen.smith@example.com',
    manager: 'd2001',
  },
  {
    uid: 'd2004',
    givenName: 'Sam',
    sn: 'Smith',
    mail: ['sam.smith@example.com', 'sam@smith.example.org'],
  },
  { uid: 'd2005', givenName: 'Smitty', sn: 'Smithers', mail: 'smithers@example.com' },
  {
    uid: 'd2006',
    givenName: 'José',
    sn: 'Álvarez',
    mail: 'jose.alvarez@example.com',
    o: 'Álvarez y Compañía',
  },
  { uid: 'd2007', givenName: 'Søren', sn: 'Kierkegaard', mail: 'soren@example.dk' },
  { uid: 'd2008', givenName: 'François', sn: 'Dupont', mail: 'francois.dupont@example.fr' },
  { uid: 'd2009', givenName: 'Chloé', sn: 'Lefèvre', mail: 'chloe.lefevre@example.fr' },
  { uid: 'd2010', givenName: 'Björk', sn: 'Guðmundsdóttir', mail: 'bjork@example.is' },
  { uid: 'd2011', givenName: '小龍', sn: '李', mail: 'li@example.cn' },
  { uid: 'd2012', givenName: 'Ωmega', sn: 'Παπαδόπουλος', mail: 'omega@example.gr' },
  { uid: 'd2013', givenName: 'Paren', sn: 'Test (Ltd)', mail: 'paren@example.com' },
  { uid: 'd2014', givenName: 'Back', sn: 'Slash\\Name', mail: 'backslash@example.com' },
  { uid: 'd2015', givenName: 'Aster', sn: 'Ast*risk', mail: 'asterisk@example.com' },
  { uid: 'd2016', givenName: 'Nuñez', sn: 'Muñoz', mail: 'munoz@example.es' },
  { uid: 'd2017', givenName: 'Ana', sn: 'Johansson', mail: 'ana.johansson@example.se' },
  { uid: 'd2018', givenName: 'Olaf', sn: 'Möller', mail: 'olaf@example.de' },
  { uid: 'd2019', givenName: 'Mary', sn: 'Brown', mail: 'mary.brown@example.com' },
  { uid: 'd2020', givenName: 'Mark', sn: 'Brown', mail: 'mark.brown@example.com' },
  { uid: 'd2021', givenName: 'Martha', sn: 'Brown', mail: 'martha.brown@example.com' },
  { uid: 'd2022', givenName: 'Lee', sn: 'Wong', mail: 'lee.wong@example.com' },
  { uid: 'd2023', givenName: 'Kim', sn: 'Park', mail: 'kim.park@example.kr' },
  { uid: 'd2024', givenName: 'Ines', sn: 'García', mail: 'ines.garcia@example.es' },
  { uid: 'd2025', givenName: 'Ola', sn: 'Nordmann', mail: 'ola@example.no' },
  { uid: 'd2026', givenName: 'Tomás', sn: 'Ó Briain', mail: 'tomas@example.ie' },
  { uid: 'd2027', givenName: 'Priya', sn: 'Patel', mail: 'priya.patel@example.in' },
  { uid: 'd2028', givenName: 'Raj', sn: 'Patel', mail: 'raj.patel@example.in' },
  { uid: 'd2029', givenName: 'Zeynep', sn: 'Yılmaz', mail: 'zeynep@example.tr' },
  { uid: 'd2030', givenName: 'Ngozi', sn: 'Okafor', mail: 'ngozi@example.ng' },
]

const FIRST_NAMES = [
  'Ada',
  'Ben',
  'Cleo',
  'Dev',
  'Eva',
  'Finn',
  'Gus',
  'Hana',
  'Ivo',
  'Jia',
  'Kai',
  'Lena',
]
const LAST_NAMES = [
  'Adams',
  'Baker',
  'Clark',
  'Davis',
  'Evans',
  'Foster',
  'Garcia',
  'Hughes',
  'Irwin',
  'Jensen',
  'Khan',
  'Lopez',
  'Moore',
  'Nolan',
  'Owens',
  'Price',
  'Quinn',
  'Reyes',
  'Stone',
  'Turner',
  'Usman',
  'Vance',
  'Walsh',
  'Xu',
  'Young',
  'Zhang',
  'Åberg',
  'Øster',
  'Étienne',
  'Núñez',
]

/** `count` generated people (`b00000`...) for the benchmark; surnames repeat every 30. */
export function generatedPeople(count: number): DirectoryPerson[] {
  return Array.from({ length: count }, (_, i) => {
    const givenName = FIRST_NAMES[i % FIRST_NAMES.length]!
    const sn = `${LAST_NAMES[i % LAST_NAMES.length]!}${Math.floor(i / LAST_NAMES.length) % 100}`
    const uid = `b${String(i).padStart(5, '0')}`
    return {
      uid,
      givenName,
      sn,
      mail: `${uid}@bench.example.com`,
      telephoneNumber: `555-${String(i).padStart(4, '0')}`,
      o: 'Bench Inc',
    }
  })
}
