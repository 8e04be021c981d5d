/** The reason codes in words, fetched once per page load from GET /api/reasons. @module */
import { useEffect, useState } from 'react'
import type { ReasonWords } from './attempt.js'
import { api } from './client.js'

export interface Reason {
  code: string
  title: string
  status: number
}

let pending: Promise<Reason[]> | null = null

function load(): Promise<Reason[]> {
  pending ??= api<{ reasons: Reason[] }>('/api/reasons')
    .then((r) => r.reasons)
    .catch(() => {
      pending = null // a later page may be logged in
      return []
    })
  return pending
}

/** Every reason code with its title, and code → title; empty until loaded (or without login). */
export function useReasons(): { reasons: Reason[]; titles: ReasonWords } {
  const [reasons, setReasons] = useState<Reason[]>([])
  useEffect(() => {
    let live = true
    load().then((r) => live && setReasons(r))
    return () => {
      live = false
    }
  }, [])
  return { reasons, titles: Object.fromEntries(reasons.map((r) => [r.code, r.title])) }
}
