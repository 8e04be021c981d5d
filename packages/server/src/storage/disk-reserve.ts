/**
 * A reserve file beside the SQLite store: space set aside while there is some, given up when
 * the disk is full so that what frees space can run (on a full disk a DELETE fails too: in WAL
 * mode it needs new WAL frames first). Deleting it by hand is safe at any time.
 * @module
 */
import { randomFillSync } from 'node:crypto'
import { statfsSync, statSync, unlinkSync } from 'node:fs'
import { open, readdir, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { processAlive } from './instances.js'

/** The reserve's file name in the data directory (made as `<name>.<pid>.partial`). */
export const RESERVE_FILE = 'store-space.reserve'

/** The largest reserve: enough for prunes and vacuum steps to run on a full disk. */
export const RESERVE_MAX_BYTES = 16 * 1024 * 1024

const MIB = 1024 * 1024
const UNIT = 64 * 1024

/** Free bytes (for this user) and size of the file system holding `dir`; null when unknown. */
export function diskSpace(dir: string): { free: number; size: number } | null {
  try {
    const s = statfsSync(dir)
    return { free: s.bavail * s.bsize, size: s.blocks * s.bsize }
  } catch {
    return null
  }
}

/** The reserve for a disk of `size` bytes: 16 MiB, or an eighth of a disk smaller than 128 MiB. */
export function reserveBytesFor(size: number): number {
  return Math.min(RESERVE_MAX_BYTES, Math.floor(size / 8 / UNIT) * UNIT)
}

/** `n` bytes for a person: "16 MiB", "2.5 MiB", "96 KiB". */
export function bytesText(n: number): string {
  if (n >= MIB) return `${Number((n / MIB).toFixed(1))} MiB`
  return `${Math.round(n / 1024)} KiB`
}

export class DiskReserve {
  readonly dir: string
  readonly path: string
  /** Fixed size for tests; by default reserveBytesFor() the disk. */
  readonly #bytes: number | undefined
  #making: Promise<boolean> | null = null

  constructor(dir: string, bytes?: number) {
    this.dir = dir
    this.path = join(dir, RESERVE_FILE)
    this.#bytes = bytes
  }

  /** Bytes the reserve file holds now (0: none). */
  size(): number {
    try {
      return statSync(this.path, { throwIfNoEntry: false })?.size ?? 0
    } catch {
      return 0
    }
  }

  /** The reserve this disk gets (0 when it is too small to spare any). */
  wanted(space = diskSpace(this.dir)): number {
    return this.#bytes ?? (space ? reserveBytesFor(space.size) : 0)
  }

  /**
   * Makes the reserve when it is missing and at least twice its size is free (never the last
   * of the space): true when it is there afterwards. Random bytes, since zeros take no space
   * on a compressing file system; written off the event loop, one MiB at a time.
   */
  ensure(): Promise<boolean> {
    this.#making ??= this.#make().finally(() => {
      this.#making = null
    })
    return this.#making
  }

  /** Waits for a reserve being made (close() does, before the directory may be removed). */
  async settled(): Promise<void> {
    await this.#making
  }

  /** Deletes the reserve; the bytes given back (0 when there was none). */
  release(): number {
    const size = this.size()
    if (size === 0) return 0
    try {
      unlinkSync(this.path)
      return size
    } catch {
      return 0
    }
  }

  async #make(): Promise<boolean> {
    await this.#removeStalePartials()
    if (this.size() > 0) return true
    const space = diskSpace(this.dir)
    const bytes = this.wanted(space)
    if (!space || bytes === 0 || space.free < 2 * bytes) return false
    // Per process: two gateways on one data directory never write into the same file.
    const partial = `${this.path}.${process.pid}.partial`
    try {
      const file = await open(partial, 'w', 0o600)
      try {
        const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(MIB, bytes)))
        for (let written = 0; written < bytes; ) {
          const { bytesWritten } = await file.write(
            chunk,
            0,
            Math.min(chunk.length, bytes - written),
          )
          written += bytesWritten
        }
      } finally {
        await file.close()
      }
      // Renamed once whole: a reserve cut short (the disk filled meanwhile) is never taken for one.
      await rename(partial, this.path)
      return true
    } catch {
      await unlink(partial).catch(() => {})
      return false
    }
  }

  /** A reserve cut short by a kill (its process gone) would hold its space for nothing. */
  async #removeStalePartials(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[])
    const partial = /^store-space\.reserve\.(\d+)\.partial$/
    for (const name of names) {
      const pid = Number(partial.exec(name)?.[1])
      if (pid && pid !== process.pid && !processAlive(pid))
        await unlink(join(this.dir, name)).catch(() => {})
    }
  }
}
