/** Log in with the admin token: POST /api/session sets the HttpOnly cookie. @module */
import { type FormEvent, useState } from 'react'
import { api } from '../api/client.js'
import { ErrorLine } from '../components/Form.js'

export function Login({ onDone }: { onDone: () => void }) {
  const [token, setToken] = useState('')
  const [error, setError] = useState('')
  async function submit(e: FormEvent) {
    e.preventDefault()
    setError('')
    try {
      const r = await api<{ admin: boolean }>('/api/session', { token })
      if (!r.admin) throw new Error('the token was not accepted')
      setToken('')
      onDone()
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    }
  }
  return (
    <section>
      <h1>Log in</h1>
      <form onSubmit={submit}>
        <label htmlFor="admin-token">Admin token</label>
        <input id="admin-token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} required />
        <button type="submit">Log in</button>
      </form>
      <ErrorLine message={error} />
    </section>
  )
}

