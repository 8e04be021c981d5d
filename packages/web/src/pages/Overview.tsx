/** The Overview page (to be built). @module */
export function Overview() {
  return (
    <section>
      <h1>Overview</h1>
    </section>
  )
}
