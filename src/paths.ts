import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package's own folder, found from this file whether it runs from `src/` or `dist/src/`. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('package.json not found above the gateway')
    dir = parent
  }
  return dir
}

/** The config to use: `--config`, else LIVELOOKUP_CONFIG, else the embedded demo. */
export function configPath(option: string | undefined): string {
  const chosen = option ?? process.env.LIVELOOKUP_CONFIG
  return chosen ? resolve(chosen) : join(packageRoot(), 'config', 'default.yaml')
}
