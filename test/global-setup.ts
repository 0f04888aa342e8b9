import { ensureTestPackages } from './servers/debian.js'

/** Runs once before every test file: brings the Debian packages the test servers need. */
export default function setup(): void {
  ensureTestPackages()
}
