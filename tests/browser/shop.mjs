// Browser tests of the shop's console (issue 15, item 7): the admin's
// coupon campaigns and points, the checkout with a coupon and points, and
// the statistics charts. Registered by run.mjs, which passes its helpers
// in `h`. Each flow asserts what the page shows, then what the API holds
// (the campaign's counts, the points account, the order's total, stock).

export function registerShop(test, h) {
  const { api, fill, confirmBox, signIn, snap, until, state, BASE, RUN } = h
  const enc = encodeURIComponent
  const today = () => new Date().toISOString().slice(0, 10)
  const iso = (days) => new Date(Date.now() + days * 86400000).toISOString()

  // an Element Plus number input: typed, then committed (it reads on change)
  async function fillNumber(page, test, value) {
    const loc = page.locator(`[data-test="${test}"] input`).first()
    await loc.fill(String(value))
    await loc.press('Tab')
  }
  async function campaign(body) {
    return api('POST', '/coupons', { token: state.token, body: { name: `shop ${RUN}`, kind: 'percent', value: '10', ends_at: iso(1), total: 10, ...body } })
  }
  async function campaignByCode(code) {
    const l = await api('GET', '/coupons?per_page=100', { token: state.token })
    return l.items.find((c) => (c.codes || []).includes(code))
  }
  async function user(tag, role = 'user') {
    const who = { email: `${tag}-${RUN}@example.test`, password: `${tag}-${RUN}-pw` }
    who.user = await api('POST', '/users', { token: state.token, body: { ...who, role, display_name: `Shop ${tag}` } })
    return who
  }
  async function stock(sku) {
    const s = await api('GET', `/stock/${enc(sku)}`)
    return [s.on_hand, s.reserved, s.available]
  }
  const eq = (got, want, what) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${what}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`)
  }

  // the admin: a campaign made in the console, stopped and restarted; an
  // order holds one coupon, the desk pays it and the count moves to used;
  // the campaign edited
  test('shop_admin_coupons', async (page) => {
    const admin = await user('shopadmin', 'admin')
    const code = `BRW${RUN}OFF`.toUpperCase()
    const sku = `BRW-C-${RUN}`
    await api('POST', '/products', { token: state.token, body: { sku, name: `Coupon item ${RUN}`, price: '30.00', initial_quantity: 4 } })
    await signIn(page, BASE, admin.email, admin.password)
    await page.goto(`${BASE}/desk/coupons`)
    await page.locator('[data-test="new-coupon"]').click()
    await fill(page, 'c-name', `Browser ${RUN}`)
    await page.locator('.el-dialog').getByText('amount off').click()
    await fill(page, 'c-value', '5.00')
    await fill(page, 'c-min', '20.00')
    await fillNumber(page, 'c-total', 2)
    await fillNumber(page, 'c-per-user', 1)
    await fill(page, 'c-codes', code)
    await fill(page, 'c-skus', sku)
    await page.locator('[data-test="c-submit"]').click()
    await page.locator('.el-message--success').getByText(`Campaign Browser ${RUN} created: 1 code`).waitFor()
    const c = await campaignByCode(code)
    if (!c) throw new Error(`no campaign with the code ${code}`)
    eq([c.kind, c.value, c.min_spend, c.total, c.per_user, c.active, c.reserved, c.used], ['fixed', '5.00', '20.00', 2, 1, true, 0, 0], 'the campaign the console made')
    await page.locator(`[data-test="coupon-count-${c.id}"]`).getByText('0 / 0 / 2').waitFor()
    // stop it: the API refuses the code; restart it
    await page.locator(`[data-test="coupon-active-${c.id}"]`).click()
    await confirmBox(page, `Stop campaign Browser ${RUN}?`)
    await page.locator('.el-message--success').getByText(`Browser ${RUN}: stopped`).waitFor()
    eq((await api('GET', `/coupons/${c.id}`, { token: state.token })).active, false, 'stopped')
    await page.locator(`[data-test="coupon-active-${c.id}"]`).click()
    await confirmBox(page, `Restart campaign Browser ${RUN}?`)
    await page.locator('.el-message--success').getByText(`Browser ${RUN}: active`).waitFor()
    eq((await api('GET', `/coupons/${c.id}`, { token: state.token })).active, true, 'restarted')
    // an order system's order with the code: one coupon held
    const o = await api('POST', '/orders', { token: state.key, headers: { 'Idempotency-Key': `brw-${RUN}-cpn` }, body: { items: [{ sku, quantity: 1 }], coupon: code.toLowerCase() } })
    eq([o.total, o.coupon_code, o.coupon_discount], ['25.00', code, '5.00'], 'the order with the coupon')
    await page.locator('[data-test="coupons-table"]').waitFor()
    await page.reload()
    await page.locator(`[data-test="coupon-count-${c.id}"]`).getByText('0 / 1 / 2').waitFor()
    // the desk shows the order's coupon and pays it: the coupon is used
    await page.goto(`${BASE}/desk/orders?status=pending_payment`)
    await page.locator(`[data-test="order-${o.id}"]`).click()
    await page.locator('[data-test="detail-coupon"]').getByText(`${code}: -5.00`).waitFor()
    await page.locator('[data-test="detail-pay"]').click()
    await confirmBox(page, `Mark order ${o.id} (25.00`)
    await page.locator('[data-test="detail-status"]').getByText('paid').waitFor()
    const c2 = await api('GET', `/coupons/${c.id}`, { token: state.token })
    eq([c2.reserved, c2.used, c2.rows_reserved, c2.rows_used], [0, 1, 0, 1], 'used once the order is paid')
    await page.goto(`${BASE}/desk/coupons`)
    await page.locator(`[data-test="coupon-count-${c.id}"]`).getByText('1 / 0 / 2').waitFor()
    await page.locator(`[data-test="coupon-${c.id}"]`).click()
    await page.locator('[data-test="coupon-left"]').getByText('1', { exact: true }).waitFor()
    await snap(page, 'shop_admin_coupons')
    // edit: a new name, 3 coupons, 2 a customer
    await page.locator('.el-drawer__close-btn:visible').click()
    await page.locator('[data-test="coupon-detail"]').waitFor({ state: 'hidden' })
    await page.locator(`[data-test="coupon-edit-${c.id}"]`).click()
    await fill(page, 'e-name', `Browser ${RUN} edited`)
    await fillNumber(page, 'e-total', 3)
    await fillNumber(page, 'e-per-user', 2)
    await page.locator('[data-test="e-submit"]').click()
    await page.locator('.el-message--success').getByText(`Browser ${RUN} edited saved`).waitFor()
    await page.locator(`[data-test="coupon-count-${c.id}"]`).getByText('1 / 0 / 3').waitFor()
    const c3 = await api('GET', `/coupons/${c.id}`, { token: state.token })
    eq([c3.name, c3.total, c3.per_user, c3.used, c3.reserved, c3.kind, c3.value, c3.ends_at], [`Browser ${RUN} edited`, 3, 2, 1, 0, 'fixed', '5.00', c.ends_at], 'the campaign after the edit')
    const rs = await api('GET', `/stock/${enc(sku)}/reconcile`, { token: state.token })
    if (!rs.ok) throw new Error(`reconcile of ${sku}: ${JSON.stringify(rs)}`)
  }, { shot: 'shop_admin_coupon_edited' })

  // the admin: a user's points found, adjusted both ways, reconciled
  test('shop_admin_points', async (page) => {
    const admin = await user('pointsdesk', 'admin')
    const shopper = await user('pointsadm')
    await signIn(page, BASE, admin.email, admin.password)
    await page.goto(`${BASE}/desk/points`)
    await fill(page, 'pa-q', shopper.email)
    await page.locator('[data-test="pa-search"]').click()
    await page.locator(`[data-test="pa-pick-${shopper.user.id}"]`).click()
    await page.waitForURL(new RegExp(`user_id=${shopper.user.id}`))
    await page.locator('[data-test="pa-balance"]').getByText('0', { exact: true }).waitFor()
    for (const [delta, reason, box, after] of [[300, 'welcome gift', 'Give 300 points', '300'], [-50, 'correction', 'Take 50 points', '250']]) {
      await fillNumber(page, 'pa-delta', delta)
      await fill(page, 'pa-reason', reason)
      await page.locator('[data-test="pa-adjust"]').click()
      await confirmBox(page, box)
      await page.locator('[data-test="pa-balance"]').getByText(after, { exact: true }).waitFor()
    }
    const rows = await page.locator('[data-test="pa-ledger"] tbody tr').allInnerTexts()
    if (rows.length !== 2 || !/adjust -50 250 correction/.test(rows[0].replace(/\s+/g, ' '))) throw new Error(`points ledger rows: ${JSON.stringify(rows)}`)
    const p = await api('GET', `/users/${shopper.user.id}/points`, { token: state.token })
    eq([p.balance, p.reserved, p.available, p.items.length], [250, 0, 250, 2], 'the points account after the console')
    await page.locator('[data-test="pa-reconcile-one"]').click()
    await page.locator('[data-test="pa-recon-text"]').getByText(`Reconciled: 1 account checked (user ${shopper.user.id}), 0 mismatches`).waitFor()
    await page.locator('[data-test="pa-reconcile-all"]').click()
    await page.locator('[data-test="pa-recon-text"]').getByText(/^Reconciled: \d+ accounts? checked, 0 mismatches$/).waitFor()
    const r = await api('GET', '/points/reconcile', { token: state.token })
    if (!r.ok) throw new Error(`points reconcile: ${JSON.stringify(r)}`)
  }, { shot: 'shop_admin_points' })

  // the shopper: from the product page to the checkout with a coupon and
  // points; the order's lines, discount, points and total; cancel gives
  // all back; a second order is paid (coupon used, points spent); a
  // minimum the order does not meet is refused with its code
  test('shop_checkout_coupon_points', async (page) => {
    const shopper = await user('shopper')
    await api('POST', `/users/${shopper.user.id}/points`, { token: state.token, body: { delta: 1000, reason: 'browser test' } })
    const sku = `BRW-K-${RUN}`
    const p = await api('POST', '/products', { token: state.token, body: { sku, name: `Checkout item ${RUN}`, price: '25.00', initial_quantity: 10 } })
    const code = `BRW${RUN}TEN`.toUpperCase()
    const c = await campaign({ kind: 'percent', value: '10', total: 5, per_user: 2, codes: [code] })
    const high = `BRW${RUN}MIN`.toUpperCase()
    const ch = await campaign({ kind: 'fixed', value: '1.00', min_spend: '1000.00', codes: [high] })
    const counts = async (id) => {
      const x = await api('GET', `/coupons/${id}`, { token: state.token })
      return [x.reserved, x.used]
    }
    const points = async () => {
      const x = await api('GET', `/users/${shopper.user.id}/points`, { token: state.token })
      return [x.balance, x.reserved, x.available]
    }
    await signIn(page, BASE, shopper.email, shopper.password)
    await page.goto(`${BASE}/p/${p.id}`)
    await page.locator('[data-test="order-product"]').click()
    await page.waitForURL(new RegExp(`/shop/checkout\\?sku=${sku}`))
    await page.locator('[data-test="co-points-available"]').getByText('1000 available').waitFor()
    eq(await page.locator('[data-test="co-sku-0"] input, input[data-test="co-sku-0"]').first().inputValue(), sku, 'the line from the product page')

    // 2 x 25.00 = 50.00; 10% off: 45.00; 1000 points: 10.00; to pay 35.00
    async function placeOrder(qty, coupon, pts, ask) {
      await fillNumber(page, 'co-qty-0', qty)
      await fill(page, 'co-coupon', coupon)
      await fillNumber(page, 'co-points', pts)
      await page.locator('[data-test="co-place"]').click()
      await confirmBox(page, ask)
    }
    await placeOrder(2, code.toLowerCase(), 1000, `Order 2 items with coupon ${code.toLowerCase()} and 1000 points?`)
    await page.locator('[data-test="co-order"]').waitFor()
    const shown = {}
    for (const k of ['co-order-id', 'co-status', 'co-subtotal', 'co-coupon-discount', 'co-points-used', 'co-points-discount', 'co-total']) {
      shown[k] = (await page.locator(`[data-test="${k}"]`).innerText()).trim()
    }
    eq([shown['co-status'], shown['co-subtotal'], shown['co-coupon-discount'], shown['co-points-used'], shown['co-points-discount'], shown['co-total']],
      ['pending payment', '50.00', '-5.00', '1000', '-10.00', '35.00 EUR'], 'the order as the checkout shows it')
    const lineText = (await page.locator('[data-test="co-lines"] tbody tr').first().innerText()).replace(/\s+/g, ' ').trim()
    eq(lineText, `${sku} 2 25.00 50.00`, 'the line')
    const idA = Number(shown['co-order-id'])
    let o = await api('GET', `/orders/${idA}`, { token: state.token })
    eq([o.total, o.coupon_code, o.coupon_discount, o.points_used, o.points_discount, o.user_id], ['35.00', code, '5.00', 1000, '10.00', shopper.user.id], 'the order the API holds')
    eq(await counts(c.id), [1, 0], 'one coupon held')
    eq(await points(), [1000, 1000, 0], 'the points held')
    eq(await stock(sku), [10, 2, 8], 'the units held')
    await snap(page, 'shop_checkout_placed')
    // cancel: the units, the coupon and the points come back
    await page.locator('[data-test="co-cancel"]').click()
    await confirmBox(page, `Cancel order ${idA}?`)
    await page.locator('[data-test="co-status"]').getByText('cancelled').waitFor()
    eq(await counts(c.id), [0, 0], 'the coupon back')
    eq(await points(), [1000, 0, 1000], 'the points back')
    eq(await stock(sku), [10, 0, 10], 'the units back')

    // a minimum the order does not meet: refused, nothing held
    await page.locator('[data-test="co-another"]').click()
    await fill(page, 'co-sku-0', sku)
    await page.locator('[data-test="co-points-available"]').getByText('1000 available').waitFor()
    await placeOrder(1, high, 0, `Order 1 item with coupon ${high}?`)
    const err = (await page.locator('[data-test="co-error"]').innerText()).trim()
    if (!/needs a spend of 1000\.00/.test(err) || !/CPN_004/.test(err)) throw new Error(`the refusal: "${err}"`)
    eq(await counts(ch.id), [0, 0], 'the refused coupon not held')
    eq(await stock(sku), [10, 0, 10], 'the refusal holds no units')

    // the same lines with the good code and 500 points: placed, then paid
    await placeOrder(1, code, 500, `Order 1 item with coupon ${code} and 500 points?`)
    await page.locator('[data-test="co-total"]').getByText('17.50 EUR').waitFor()
    const idB = Number((await page.locator('[data-test="co-order-id"]').innerText()).trim())
    await api('POST', `/orders/${idB}/pay`, { token: state.token, headers: { 'Idempotency-Key': `brw-${RUN}-pay-b` } })
    await page.locator('[data-test="co-refresh"]').click()
    await page.locator('[data-test="co-status"]').getByText('paid').waitFor()
    o = await api('GET', `/orders/${idB}`, { token: state.token })
    eq([o.status, o.total, o.coupon_discount, o.points_used, o.points_discount], ['paid', '17.50', '2.50', 500, '5.00'], 'the paid order')
    eq(await counts(c.id), [0, 1], 'the coupon used')
    eq(await points(), [500, 0, 500], 'the points spent')
    eq(await stock(sku), [9, 0, 9], 'the unit sold')
    // my orders: the discounts under the order
    await page.goto(`${BASE}/me/orders?status=paid`)
    const row = page.locator('.el-table__row').filter({ hasText: String(idB) }).first()
    await row.locator('.el-table__expand-icon').click()
    await page.locator(`[data-test="my-order-discounts-${idB}"]`).getByText(`Coupon ${code}: -2.50 · 500 points: -5.00`).waitFor()
    const r = await api('GET', `/points/reconcile?user_id=${shopper.user.id}`, { token: state.token })
    if (!r.ok) throw new Error(`points reconcile: ${JSON.stringify(r)}`)
    const rs = await api('GET', `/stock/${enc(sku)}/reconcile`, { token: state.token })
    if (!rs.ok) throw new Error(`reconcile of ${sku}: ${JSON.stringify(rs)}`)
  }, { shot: 'shop_my_orders' })

  // the statistics: today's bars are the API's figures
  test('shop_stats_charts', async (page) => {
    const desk = await user('statsdesk', 'business')
    // today has at least one paid order and one loan
    const sku = `BRW-T-${RUN}`
    await api('POST', '/products', { token: state.token, body: { sku, name: `Stats item ${RUN}`, price: '4.00', initial_quantity: 3 } })
    const o = await api('POST', '/orders', { token: state.key, headers: { 'Idempotency-Key': `brw-${RUN}-stats` }, body: { items: [{ sku, quantity: 1 }] } })
    await api('POST', `/orders/${o.id}/pay`, { token: state.key, headers: { 'Idempotency-Key': `brw-${RUN}-stats-pay` } })
    const reader = await user('statsreader')
    await api('POST', '/loans', { token: state.token, body: { user_id: reader.user.id, items: [{ sku }] } })
    await signIn(page, BASE, desk.email, desk.password)
    await page.goto(`${BASE}/desk/stats`)
    const day = today()
    await page.locator(`[data-test="orders-chart"] rect[data-key="${day}|paid"]`).waitFor()
    const q = `from=${day}&to=${day}`
    // the figures of the API, and the page after a refresh (nothing moves
    // between the two: the tests run one at a time)
    const so = await api('GET', `/stats/orders?${q}`, { token: state.token })
    const sl = await api('GET', `/stats/loans?${q}`, { token: state.token })
    await page.locator('[data-test="stats-refresh"]').click()
    await page.waitForFunction(() => !document.querySelector('.el-loading-mask'), null, { timeout: 5000 }).catch(() => {})
    const val = async (chart, key) => {
      const r = page.locator(`[data-test="${chart}"] rect[data-key="${day}|${key}"]`)
      return (await r.count()) ? r.getAttribute('data-value') : null
    }
    const d = so.days[0]
    for (const g of d.by_status) {
      eq(await val('orders-chart', g.status), g.count ? String(g.count) : null, `the ${g.status} bar of today`)
    }
    eq(await val('payments-chart', 'kept'), d.revenue, 'the revenue bar of today')
    const refunded = (d.by_status.find((g) => g.status === 'refunded') || { total: '0.00' }).total
    eq(await val('payments-chart', 'refunded'), parseFloat(refunded) > 0 ? refunded : null, 'the refunded bar of today')
    eq(await val('lending-chart', 'loans'), String(sl.days[0].loans), 'the loans bar of today')
    eq(await val('lending-chart', 'returns'), sl.days[0].returns ? String(sl.days[0].returns) : null, 'the returns bar of today')
    // 14 days by default (a label every second day)
    const cnt = await page.locator('[data-test="orders-chart"] svg > text').count()
    if (cnt !== 7) throw new Error(`${cnt} day labels on the orders chart`)
    await page.locator('[data-test="lending-active"]').getByText(/^out now: [1-9]/).waitFor()
    await snap(page, 'shop_stats')
    // a range of one day: the URL carries it, one bar group
    await page.goto(`${BASE}/desk/stats?${q}`)
    await page.locator('[data-test="orders-count"]').getByText(`${so.count} orders`).waitFor()
    await until(async () => (await page.locator('[data-test="orders-chart"] svg > text').count()) === 1, 'one day on the axis')
  }, { shot: 'shop_stats_day' })
}
