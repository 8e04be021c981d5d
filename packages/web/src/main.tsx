/** Entry: mounts the dashboard. @module */
import { createRoot } from 'react-dom/client'
import { Diagnose } from './diagnose.js'

function App() {
  return (
    <>
      <header>
        <strong>hookwarden</strong>
        <nav>
          <a href="/">Diagnose</a>
        </nav>
      </header>
      <main>
        <Diagnose />
      </main>
    </>
  )
}

const root = document.getElementById('root')
if (root) createRoot(root).render(<App />)
