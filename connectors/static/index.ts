import { extname, resolve } from 'node:path'

import { z } from 'zod'

import { flag } from '../../src/config/fields.js'
import { defineConnector } from '../contract.js'
import { AddressBook } from './address-book.js'
import { compileMatch } from './pattern.js'
import { BOOK_EXTENSIONS } from './read-file.js'

/**
 * The `static` connector: an address book kept in a CSV, JSON or YAML file, searched in memory.
 *
 * @example
 * ```yaml
 * addressbook:
 *   type: static
 *   file: ./contacts.csv
 *   rules:
 *     - when: [email]
 *       match: { email: "{email}" }
 *     - when: [last_name]
 *       match: { last: "{last_name}*" }
 *   map: { customer_id: id, first_name: first, last_name: last, email: email }
 * ```
 */
export const staticConnector = defineConnector({
  type: 'static',
  options: z.object({
    /** The address book: `.csv` with a header row, `.json` or `.yaml` with a list of objects. */
    file: z
      .string()
      .min(1)
      .refine(
        (file) => (BOOK_EXTENSIONS as readonly string[]).includes(extname(file).toLowerCase()),
        {
          message: `expected a file ending in ${BOOK_EXTENSIONS.join(', ')}`,
        },
      ),
    /** Reload the file when it changes (default true). */
    watch: flag.default(true),
    /** CSV field separator (default `,`); `;` suits many spreadsheet exports. */
    delimiter: z
      .string()
      .refine((value) => value.length === 1 && !/["\r\n]/.test(value), {
        message: 'expected one character other than a quote or line break',
      })
      .default(','),
  }),
  rule: z.object({
    /** File column -> pattern; every entry must match. A trailing `*` makes a prefix match. */
    match: z.record(z.string(), z.string()),
  }),
  compile: (rule) => compileMatch(rule.match, rule.when),
  create: (options, context) =>
    new AddressBook({
      path: resolve(context.configDir, options.file),
      shown: options.file,
      delimiter: options.delimiter,
      watch: options.watch,
      logger: context.logger,
    }),
})
