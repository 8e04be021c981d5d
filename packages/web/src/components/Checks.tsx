/** A verify trace as a ✓/✗ list; details are text (they may quote a capture). @module */
import type { Check } from '../api/client.js'
import { Visible } from './Visible.js'

export function Checks({ checks }: { checks: Check[] }) {
  return (
    <ul className="checks">
      {checks.map((c, i) => (
        <li key={`${c.name}-${i}`} className={c.ok ? 'ok' : 'bad'}>
          {c.ok ? '✓' : '✗'} {c.name}
          {c.reason ? ` — ${c.reason}` : ''}
          {c.detail ? (
            <>
              : <Visible text={c.detail} />
            </>
          ) : (
            ''
          )}
        </li>
      ))}
    </ul>
  )
}
