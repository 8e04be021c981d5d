/** The shell: header, and a path router over the pages (the gateway answers index.html for extensionless paths). @module */
import { type MouseEvent, type ReactNode, useEffect, useState } from 'react'
import { api } from './api/client.js'
import { AttemptPage } from './pages/Attempt.js'
import { Attempts } from './pages/Attempts.js'
import { Compare } from './pages/Compare.js'
import { Diagnose } from './pages/Diagnose.js'
import { Login } from './pages/Login.js'
import { Overview } from './pages/Overview.js'

export function App() {
  // The path picks the page; the query (Compare's ?a=&b=) is read by the page from location.
  const [url, setUrl] = useState(location.pathname + location.search)
  const path = url.replace(/[?#].*$/, '')
  // A link followed counts as a new visit even to the same address: the page starts afresh
  // (Attempts and Compare change their own query in place, so `url` may lag behind it).
  const [visit, setVisit] = useState(0)
  const [admin, setAdmin] = useState<boolean | null>(null)
  useEffect(() => {
    api<{ admin: boolean }>('/api/session')
      .then((r) => setAdmin(r.admin))
      .catch(() => setAdmin(false))
    const onPop = () => setUrl(location.pathname + location.search)
    addEventListener('popstate', onPop)
    return () => removeEventListener('popstate', onPop)
  }, [])
  const go = (to: string) => {
    history.pushState(null, '', to)
    setUrl(to)
    setVisit((n) => n + 1)
  }
  // Same-origin links only: the router takes plain left clicks, the browser everything else.
  const onClick = (e: MouseEvent) => {
    const a = (e.target as HTMLElement).closest('a')
    if (!a || a.origin !== location.origin || e.button !== 0 || e.metaKey || e.ctrlKey) return
    e.preventDefault()
    go(a.pathname + a.search)
  }
  const logout = () => {
    fetch('/api/session', { method: 'DELETE', credentials: 'same-origin' })
      .catch(() => undefined)
      .finally(() => setAdmin(false))
  }
  let page: ReactNode
  const m = /^\/attempts\/([^/]+)$/.exec(path)
  // Every page but Diagnose reads the admin API, so it asks for the login first.
  const adminPage = path === '/attempts' || path === '/compare' || path === '/overview' || m
  if (adminPage) {
    if (admin === null) page = <p>Loading…</p>
    else if (!admin) page = <Login onDone={() => setAdmin(true)} />
    else if (m) page = <AttemptPage id={decodeURIComponent(m[1] ?? '')} />
    else if (path === '/compare') page = <Compare key={`${url} ${visit}`} />
    else if (path === '/overview') page = <Overview />
    else page = <Attempts key={`${url} ${visit}`} />
  } else page = <Diagnose />
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: delegates clicks on links, which are keyboard reachable
    <div onClick={onClick}>
      <header>
        <strong>hookwarden</strong>
        <nav>
          <a href="/">Diagnose</a>
          <a href="/overview">Overview</a>
          <a href="/attempts">Attempts</a>
          <a href="/compare">Compare</a>
        </nav>
        {admin && (
          <button type="button" className="link" onClick={logout}>
            Log out
          </button>
        )}
      </header>
      <main>{page}</main>
    </div>
  )
}
