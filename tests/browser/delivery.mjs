// Browser tests of delivery and pickup (issue 15, item 5): the admin adds
// an area, a pickup point and a slot in the console; a reader saves an
// address in that area and places an order with delivery in the slot
// (the fee on the total), then one with pickup; the API's state is
// checked after each step. Registered by run.mjs with its helpers in `h`.

export function registerDelivery(test, h) {
  const { api, signIn, snap, text, until, state, BASE, RUN } = h

  const local = (hours) => {
    const d = new Date(Date.now() + hours * 3600e3)
    const p = (n) => String(n).padStart(2, '0')
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
  }

  test('delivery_admin_and_reader_checkout', async (page) => {
    const areaName = `Riverside ${RUN}`
    const pointName = `Corner shop ${RUN}`
    // an admin of this test (the demo admin's login limit is kept for
    // the staff test)
    const adm = { email: `dlvadm-${RUN}@example.test`, password: `dlvadm-${RUN}-pw` }
    await api('POST', '/users', { token: state.token, body: { ...adm, role: 'admin', display_name: 'Delivery Admin' } })
    await signIn(page, BASE, adm.email, adm.password)
    await page.goto(`${BASE}/desk/delivery`)
    await page.locator('[data-test="delivery-admin"]').waitFor()
    await page.fill('[data-test="area-name"]', areaName)
    await page.fill('[data-test="area-fee"]', '3.50')
    await page.fill('[data-test="area-min"]', '10.00')
    await page.locator('[data-test="area-add"]').click()
    const area = await until(async () => (await api('GET', '/delivery-areas', { token: state.token })).items.find((a) => a.name === areaName), 'the area in the API')
    if (area.fee !== '3.50' || area.min_order !== '10.00') throw new Error(`area ${JSON.stringify(area)}`)
    await page.locator(`[data-test="area-${area.id}"]`).waitFor()
    await page.fill('[data-test="point-name"]', pointName)
    await page.fill('[data-test="point-address"]', '2 Corner Street')
    await page.locator('[data-test="point-add"]').click()
    const point = await until(async () => (await api('GET', '/pickup-points')).items.find((p) => p.name === pointName), 'the point in the API')
    await page.locator(`[data-test="point-${point.id}"]`).waitFor()
    // a delivery slot of the area, with 2 places
    await page.selectOption('[data-test="slot-kind"]', 'area')
    await page.selectOption('[data-test="slot-place"]', String(area.id))
    await page.fill('[data-test="slot-starts"]', local(48))
    await page.fill('[data-test="slot-ends"]', local(50))
    await page.fill('[data-test="slot-capacity"]', '2')
    await page.locator('[data-test="slot-add"]').click()
    const slot = await until(async () => (await api('GET', `/delivery-slots?area_id=${area.id}`)).items[0], 'the slot in the API')
    if (slot.capacity !== 2 || slot.method !== 'delivery') throw new Error(`slot ${JSON.stringify(slot)}`)
    await until(async () => (await text(page, `[data-test="slot-counts-${slot.id}"]`)).includes('0 held, 0 used of 2'), 'the slot row')
    await snap(page, 'delivery_admin')
    // a pickup slot through the API, for the reader's second order
    const pslot = await api('POST', '/delivery-slots', { token: state.token, body: { pickup_point_id: point.id, starts_at: new Date(Date.now() + 72 * 3600e3).toISOString(), ends_at: new Date(Date.now() + 74 * 3600e3).toISOString(), capacity: 5 } })
    const item = await api('POST', '/products', { token: state.token, body: { sku: `DLV-${RUN}`, name: `Delivery item ${RUN}`, price: '6.00', initial_quantity: 10 } })

    // the reader
    const u = { email: `dlv-${RUN}@example.test`, password: `dlv-${RUN}-pw` }
    await api('POST', '/users', { token: state.token, body: { ...u, role: 'user', display_name: 'Dee Livery' } })
    const tok = (await api('POST', '/auth/login', { body: { email: u.email, password: u.password } })).access_token
    await page.context().clearCookies()
    await page.goto(`${BASE}/`)
    await page.evaluate(() => { localStorage.clear(); sessionStorage.clear() })
    await signIn(page, BASE, u.email, u.password)
    // signIn returns once any "who" shows: wait for the reader's own
    await page.locator('[data-test="who"]', { hasText: 'Dee Livery' }).waitFor()
    await page.goto(`${BASE}/me/delivery`)
    await page.locator('[data-test="my-delivery"]').waitFor()
    await page.selectOption('[data-test="addr-area"]', String(area.id))
    await page.fill('[data-test="addr-recipient"]', 'Dee Livery')
    await page.fill('[data-test="addr-phone"]', '+44 113 496 0000')
    await page.fill('[data-test="addr-line1"]', '7 Water Lane')
    await page.fill('[data-test="addr-city"]', 'Leeds')
    await page.fill('[data-test="addr-postcode"]', 'LS11 5QN')
    await page.locator('[data-test="addr-save"]').click()
    const addr = await until(async () => (await api('GET', '/me/addresses', { token: tok })).items[0], 'the address in the API')
    if (addr.area_id !== area.id) throw new Error(`address ${JSON.stringify(addr)}`)
    await page.locator(`[data-test="address-${addr.id}"]`).waitFor()

    // delivery: 2 x 6.00 + 3.50
    await page.fill('[data-test="co-sku"]', item.sku)
    await page.fill('[data-test="co-qty"]', '2')
    await page.check('[data-test="co-delivery"]')
    await page.selectOption('[data-test="co-address"]', String(addr.id))
    await until(async () => (await page.locator(`[data-test="co-slot"] option[value="${slot.id}"]`).count()) === 1, 'the slot offered')
    await page.selectOption('[data-test="co-slot"]', String(slot.id))
    if (!(await text(page, '[data-test="co-terms"]')).includes('fee 3.50')) throw new Error('the area terms not shown')
    await page.locator('[data-test="co-place"]').click()
    await until(async () => (await text(page, '[data-test="placed-total"]')) === '15.50', 'the total with the fee')
    if ((await text(page, '[data-test="placed-fee"]')) !== '3.50') throw new Error('the fee shown')
    const oid = Number(await text(page, '[data-test="placed-id"]'))
    const o = await api('GET', `/orders/${oid}`, { token: tok })
    if (o.total !== '15.50' || o.delivery.slot_id !== slot.id || o.delivery.status !== 'reserved') throw new Error(`order ${JSON.stringify(o)}`)
    const s1 = await api('GET', `/delivery-slots/${slot.id}`)
    if (s1.reserved !== 1 || s1.rows_reserved !== 1) throw new Error(`slot after the order ${JSON.stringify(s1)}`)
    await snap(page, 'delivery_checkout')

    // pickup at the point: no fee
    await page.check('[data-test="co-pickup"]')
    await page.selectOption('[data-test="co-point"]', String(point.id))
    await until(async () => (await page.locator(`[data-test="co-slot"] option[value="${pslot.id}"]`).count()) === 1, 'the pickup slot offered')
    await page.selectOption('[data-test="co-slot"]', String(pslot.id))
    await page.fill('[data-test="co-qty"]', '1')
    await page.locator('[data-test="co-place"]').click()
    await until(async () => (await text(page, '[data-test="placed-total"]')) === '6.00', 'the pickup total')
    const s2 = await api('GET', `/delivery-slots/${pslot.id}`)
    if (s2.reserved !== 1) throw new Error(`pickup slot ${JSON.stringify(s2)}`)
  })
}
