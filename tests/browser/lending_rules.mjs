// Browser test of the desk's batch return (issue 14, item 6): tick several
// loans in the lending desk's table, return them in one request; a batch
// that holds a loan someone returned meanwhile is refused as a whole and
// the refusal names that loan; untick it and the rest go back. Registered
// by run.mjs, which passes its helpers in `h`; asserts what the page shows,
// then the API's stock, loans and reconcile.

export function registerLendingRules(test, h) {
  const { api, confirmBox, signIn, until, state, BASE, RUN } = h
  const enc = encodeURIComponent

  // the row of loan id in the loans table, and its tick box
  function row(page, id) {
    return page.locator('[data-test="loans-table"] tbody tr')
      .filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^\\s*${id}\\s*$`) }) })
  }
  async function tick(page, id) {
    await row(page, id).first().locator('.el-checkbox').click()
  }

  test('desk_batch_return', async (page) => {
    const sku = `BRW-B-${RUN}`
    await api('POST', '/products', { token: state.token, body: { sku, name: `Batch ${RUN}`, initial_quantity: 3 } })
    const reader = { email: `batch-${RUN}@example.test`, password: `batch-${RUN}-pw` }
    const u = await api('POST', '/users', { token: state.token, body: { ...reader, role: 'user', display_name: 'Batch Reader' } })
    const d = await api('POST', '/loans', { token: state.token, body: { user_id: u.id, items: [{ sku }, { sku }, { sku }] } })
    const [l1, l2, l3] = d.loans.map((x) => x.id).sort((a, b) => a - b)
    const desk = { email: `desk-${RUN}@example.test`, password: `desk-${RUN}-pw` }
    await api('POST', '/users', { token: state.token, body: { ...desk, role: 'business', display_name: 'Batch Desk' } })
    await signIn(page, BASE, desk.email, desk.password)
    await page.goto(`${BASE}/desk/lending?sku=${enc(sku)}`)
    await row(page, l3).first().getByText('active').waitFor()
    for (const id of [l1, l2, l3]) await tick(page, id)
    await page.locator('[data-test="batch-count"]').getByText('3 selected').waitFor()
    // another desk takes l2 back meanwhile: the batch is refused, naming it
    await api('POST', `/loans/${l2}/return`, { token: state.token, body: {} })
    await page.locator('[data-test="batch-return-submit"]').click()
    await confirmBox(page, 'All or none')
    const refusal = page.locator(`[data-test="batch-refusal-${l2}"]`)
    await refusal.waitFor()
    if (!(await refusal.innerText()).includes('LOAN_002')) throw new Error(`refusal text: ${await refusal.innerText()}`)
    if (await page.locator(`[data-test="batch-refusal-${l1}"]`).count()) throw new Error('loan 1 named as refused')
    for (const id of [l1, l3]) {
      const x = await api('GET', `/loans/${id}`, { token: state.token })
      if (x.status !== 'active') throw new Error(`loan ${id} is ${x.status} after a refused batch`)
    }
    let s = await api('GET', `/stock/${enc(sku)}`)
    if (s.on_hand !== 1) throw new Error(`on hand ${s.on_hand} after the refused batch`)
    // untick the one returned meanwhile, and the rest go back
    await tick(page, l2)
    await page.locator('[data-test="batch-count"]').getByText('2 selected').waitFor()
    await page.locator('[data-test="batch-return-submit"]').click()
    await confirmBox(page, `(${l1}, ${l3})`)
    await page.locator('.el-message--success').getByText('Returned 2 loans').waitFor()
    for (const id of [l1, l3]) await page.locator(`[data-test="loan-status-${id}"]`).getByText('returned').waitFor()
    await until(async () => (s = await api('GET', `/stock/${enc(sku)}`)).on_hand === 3, 'the copies back in stock')
    const r = await api('GET', `/stock/${enc(sku)}/reconcile`, { token: state.token })
    if (!r.ok) throw new Error(`reconcile of ${sku}: ${JSON.stringify(r)}`)
  }, { shot: 'desk_batch_return' })
}
