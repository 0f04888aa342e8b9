import type { GatewayConfig } from '../config/load.js'

/**
 * What to paste into HelpSpot: a Live Lookup URL per source (the key as `?key=`, which HelpSpot
 * passes through), an AJAX field URL per field (the key in the path, because HelpSpot appends
 * its own `?`), and the command line for command-line sources.
 */
export function helpspotUrls(config: GatewayConfig, base: string): string {
  const root = base.replace(/\/+$/, '')
  const key = config.server.keys[0]
  const lines: string[] = []

  if (config.sources.size > 0) {
    lines.push('Live Lookup sources (Admin > Settings > Live Lookup, type http or http-post):')
    for (const name of config.sources.keys()) {
      const query = key ? `?key=${encodeURIComponent(key)}` : ''
      lines.push(`  ${name}: ${root}/livelookup/${encodeURIComponent(name)}${query}`)
    }
    lines.push('', 'Command-line sources (type cmdline):')
    for (const name of config.sources.keys()) {
      lines.push(`  ${name}: livelookup lookup --config ${config.file} --source ${name}`)
    }
  }

  if (config.fields.size > 0) {
    if (lines.length) lines.push('')
    lines.push("AJAX Selection Fields (the field's AJAX URL):")
    const prefix = key ? `/k/${encodeURIComponent(key)}` : ''
    for (const name of config.fields.keys()) {
      lines.push(`  ${name}: ${root}${prefix}/ajax/${encodeURIComponent(name)}`)
    }
  }
  return lines.join('\n')
}
