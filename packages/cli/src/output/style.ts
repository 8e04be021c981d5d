/**
 * Terminal styling that degrades to plain text: NO_COLOR (no-color.org), or not a TTY.
 * The ✓/✗ marks carry the meaning on their own, colour only repeats it.
 * @module
 */
const useColor = (): boolean =>
  !process.env.NO_COLOR && process.stdout.isTTY === true && process.env.TERM !== 'dumb'

const wrap = (open: number, close: number) => (s: string) =>
  useColor() ? `\x1b[${open}m${s}\x1b[${close}m` : s

export const green = wrap(32, 39)
export const red = wrap(31, 39)
export const yellow = wrap(33, 39)
export const dim = wrap(2, 22)
export const bold = wrap(1, 22)

export const OK = () => green('✓')
export const FAIL = () => red('✗')
