// Browser test of refunds, returns and payments (issue 15, item 6): an
// admin opens a fulfilled order in the orders desk, refunds 2 of its 3
// units (reason, provider reference), then receives a return of one
// sellable and one damaged unit; the page shows the money and the
// return, and the API's stock, ledger and reconcile are exactly right.
// Then the payments list and the mismatch report, where the order (paid
// at the desk, no provider payment) is listed as "no payment".
// Registered by run.mjs, which passes its helpers in `h`.

export function registerRefunds(test, h) {
  const { api, fill, confirmBox, signIn, snap, until, state, BASE, RUN } = h
  const enc = encodeURIComponent

  // an el-input-number: type the value, then leave it (its change event)
  async function number(page, testId, value) {
    await fill(page, testId, value)
    await page.locator(`[data-test="${testId}"] input`).first().press('Tab')
  }

  test('desk_refund_and_return', async (page) => {
    const sku = `BRW-R-${RUN}`
    await api('POST', '/products', { token: state.token, body: { sku, name: `Refundable ${RUN}`, price: '10.00', initial_quantity: 5 } })
    const o = await api('POST', '/orders', { token: state.key, body: { items: [{ sku, quantity: 3 }] } })
    await api('POST', `/orders/${o.id}/pay`, { token: state.key })
    await api('POST', `/orders/${o.id}/fulfill`, { token: state.key })
    const clerk = { email: `refunds-${RUN}@example.test`, password: `refunds-${RUN}-pw` }
    await api('POST', '/users', { token: state.token, body: { ...clerk, role: 'admin', display_name: 'Refund Clerk' } })
    await signIn(page, BASE, clerk.email, clerk.password)
    await page.goto(`${BASE}/desk/orders?status=fulfilled`)
    await page.locator(`[data-test="order-${o.id}"]`).click()
    await page.locator('[data-test="money-refundable"]').getByText('30.00').waitFor()
    // money back for 2 units: fulfilled, so nothing goes back on the shelf
    await number(page, `refund-qty-${sku}`, 2)
    await fill(page, 'refund-reason', 'two broken')
    await fill(page, 'refund-ref', `re_${RUN}`)
    await page.locator('[data-test="refund-submit"]').click()
    await confirmBox(page, 'Refund 2 unit(s)')
    await page.locator('[data-test="money-refunded"]').getByText('20.00').waitFor()
    await page.locator('[data-test="money-refundable"]').getByText('10.00').waitFor()
    await page.locator('[data-test="refunds-table"]').getByText('two broken').waitFor()
    let s = await api('GET', `/stock/${enc(sku)}`)
    if (s.on_hand !== 2) throw new Error(`on hand ${s.on_hand} after refunding fulfilled goods (want 2)`)
    // the goods come back: one sellable, one crushed
    await number(page, `return-ok-${sku}`, 1)
    await number(page, `return-bad-${sku}`, 1)
    await fill(page, 'return-why', 'crushed')
    await page.locator('[data-test="return-submit"]').click()
    await confirmBox(page, 'Receive 2 unit(s)')
    await page.locator('[data-test="returns-table"]').getByText('crushed').waitFor()
    await snap(page, 'desk_refund_and_return')
    await until(async () => (s = await api('GET', `/stock/${enc(sku)}`)).on_hand === 3, 'one unit back on the shelf')
    const led = await api('GET', `/ledger?sku=${enc(sku)}&per_page=100`, { token: state.token })
    const rows = led.items.filter((x) => x.reference_id === String(o.id) && (x.type === 'restock' || (x.reason || '').startsWith('written off')))
      .map((x) => `${x.type} ${x.on_hand_delta} ${x.reason}`).sort()
    const want = ['deduct -1 written off: crushed', 'restock 1 return', 'restock 1 return (not sellable)']
    if (JSON.stringify(rows) !== JSON.stringify(want)) throw new Error(`ledger rows: ${JSON.stringify(rows)}`)
    const r = await api('GET', `/stock/${enc(sku)}/reconcile`, { token: state.token })
    if (!r.ok) throw new Error(`reconcile of ${sku}: ${JSON.stringify(r)}`)
    // the payments desk and its report: paid at the desk, no payment
    await page.goto(`${BASE}/desk/payments`)
    await page.locator('[data-test="payments-table"]').waitFor()
    await page.goto(`${BASE}/desk/payments/report?per_page=100`)
    await page.locator(`[data-test="report-problem-${o.id}"]`).getByText('no payment').waitFor()
  }, { shot: 'desk_refund_and_return' })
}
