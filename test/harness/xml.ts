import { SaxesParser } from 'saxes'

type Entry = Record<string, unknown>

interface Element {
  readonly name: string
  readonly attributes: Record<string, string>
  readonly children: Element[]
  text: string
}

/**
 * Parses with saxes, a strict XML 1.0 parser: any well-formedness error (an unescaped `&`, a
 * `]]>` in text, an illegal character, a bad declaration) throws, failing the test.
 */
export function parseXml(xml: string): Element {
  const parser = new SaxesParser({ xmlns: false })
  const root: Element = { name: '#document', attributes: {}, children: [], text: '' }
  const stack: Element[] = [root]

  parser.on('error', (error) => {
    throw error
  })
  parser.on('opentag', (tag) => {
    const element: Element = {
      name: tag.name,
      attributes: tag.attributes as Record<string, string>,
      children: [],
      text: '',
    }
    stack.at(-1)!.children.push(element)
    stack.push(element)
  })
  parser.on('closetag', () => void stack.pop())
  parser.on('text', (text) => void (stack.at(-1)!.text += text))
  parser.on('cdata', (text) => void (stack.at(-1)!.text += text))
  parser.write(xml).close()

  if (root.children.length !== 1) throw new Error('expected exactly one root element')
  return root.children[0]!
}

/** An element's children as element -> text, with `@label` when labelled. */
function flatten(element: Element): Entry {
  const entry: Entry = {}
  for (const child of element.children) {
    const label = child.attributes.label
    entry[child.name] = label === undefined ? child.text : { '#text': child.text, '@label': label }
  }
  return entry
}

/** The `<customer>` elements of a `<livelookup>` answer, each as element -> text. */
export function customersOf(xml: string): Entry[] {
  const root = parseXml(xml)
  if (root.name !== 'livelookup') throw new Error(`expected <livelookup>, got <${root.name}>`)
  return root.children.filter((child) => child.name === 'customer').map(flatten)
}

/** The `<option>` elements of an `<ajaxfield>` answer. */
export function optionsOf(xml: string): { value: string; description: string }[] {
  const root = parseXml(xml)
  if (root.name !== 'ajaxfield') throw new Error(`expected <ajaxfield>, got <${root.name}>`)
  return root.children.map((option) => flatten(option) as { value: string; description: string })
}

/** The root element's attributes. */
export function rootAttributes(xml: string): Record<string, string> {
  return parseXml(xml).attributes
}
