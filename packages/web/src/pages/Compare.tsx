/** The Compare page (to be built). @module */
export function Compare() {
  return (
    <section>
      <h1>Compare</h1>
    </section>
  )
}
