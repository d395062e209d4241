// Browser tests of the stock-per-location views (issue 17): locations,
// stock per location, transfers, stocktakes, stock at a date and the CSV
// import. Registered by run.mjs, which passes its helpers in `h`; each test
// acts in the console and asserts what the page shows, then the API state.
//
// Every test signs in as its own admin (created in setupPlaces through
// the API), so the per-e-mail login limit is never near.

import fs from 'node:fs'

export function registerPlaces(test, h) {
  const { api, fill, confirmBox, signIn, snap, text, until, state, BASE, RUN } = h
  const enc = encodeURIComponent

  // pick the option of an Element Plus select whose text contains `what`
  // (only the dropdown that opened: a closing one may still be fading out)
  async function pick(page, testId, what) {
    await page.waitForFunction(() => ![...document.querySelectorAll('.el-select__popper')]
      .some((e) => getComputedStyle(e).display !== 'none'), null, { timeout: 5000 }).catch(() => {})
    const sel = page.locator(`[data-test="${testId}"]`).first()
    await sel.click()
    // the selects filter as one types: the option is then the only one,
    // with no scrolling in a long list
    await sel.locator('input').first().fill(what)
    const popper = page.locator('.el-select__popper:visible').last()
    const opt = popper.locator('.el-select-dropdown__item').filter({ hasText: what }).first()
    await opt.waitFor()
    await opt.click()
  }

  // a fresh admin of this run, signed in in the page
  async function asAdmin(page, tag, { role = 'admin', base = BASE } = {}) {
    const u = { email: `${tag}-${RUN}@example.test`, password: `${tag}-${RUN}-pw` }
    await api('POST', '/users', { token: state.token, body: { ...u, role, display_name: `Stock ${tag}` } })
    await signIn(page, base, u.email, u.password)
    return u
  }

  const idem = (what) => ({ 'Idempotency-Key': `brw-${RUN}-${what}` })
  const stock = (sku) => api('GET', `/stock/${enc(sku)}`)
  const place = (s, code) => (s.locations || []).find((l) => l.location.toLowerCase() === code.toLowerCase()) ||
    { on_hand: 0, reserved: 0, available: 0 }
  async function reconciled(sku) {
    const r = await api('GET', `/stock/${enc(sku)}/reconcile`, { token: state.token })
    if (!r.ok) throw new Error(`reconcile of ${sku}: ${JSON.stringify(r)}`)
  }
  async function newLocation(code, name, extra = {}) {
    return api('POST', '/locations', { token: state.token, body: { code, name, ...extra } })
  }
  h.pick = pick
  h.asAdmin = asAdmin
  h.reconciled = reconciled
  h.newLocation = newLocation

  test('locations_create_edit_deactivate', async (page) => {
    const code = `BL${RUN}`
    // other users' text is hostile: rendered as text, never as markup
    const hostile = `<img src=x onerror="window.__xss=1">East ${RUN}`
    await asAdmin(page, 'loc')
    await page.goto(`${BASE}/desk/locations`)
    await page.locator('[data-test="locations-table"] [data-test="loc-link-main"]').waitFor()
    await page.locator('[data-test="new-location"]').click()
    await fill(page, 'loc-code', code)
    await fill(page, 'loc-name', hostile)
    await page.locator('[data-test="loc-kind-store"]').click()
    await fill(page, 'loc-priority', '50')
    await page.locator('[data-test="loc-submit"]').click()
    await until(async () => (await text(page, `[data-test="loc-name-${code}"]`)) === hostile, 'the new location listed with its name as text')
    if (await page.evaluate(() => window.__xss)) throw new Error('a location name ran as markup')
    if (await page.locator('[data-test="locations-table"] img').count()) throw new Error('a location name made an <img>')
    let l = await api('GET', `/locations/${code}`)
    if (l.name !== hostile || l.kind !== 'store' || l.priority !== 50 || !l.is_active) throw new Error(`created: ${JSON.stringify(l)}`)

    // the same code in another case is taken: the API's words in the dialog
    await page.locator('[data-test="new-location"]').click()
    await fill(page, 'loc-code', code.toLowerCase())
    await fill(page, 'loc-name', 'twin')
    await page.locator('[data-test="loc-submit"]').click()
    const err = await text(page, '[data-test="loc-error"]')
    if (!/taken|exists|already/i.test(err)) throw new Error(`duplicate code: "${err}"`)
    await page.locator('.el-dialog').getByRole('button', { name: 'Cancel' }).click()

    // edit: name, kind
    await page.locator(`[data-test="loc-edit-${code}"]`).click()
    await fill(page, 'loc-name', `East pickup ${RUN}`)
    await page.locator('[data-test="loc-kind-pickup"]').click()
    await page.locator('[data-test="loc-submit"]').click()
    await until(async () => (await text(page, `[data-test="loc-name-${code}"]`)) === `East pickup ${RUN}`, 'the new name')
    l = await api('GET', `/locations/${code}`)
    if (l.name !== `East pickup ${RUN}` || l.kind !== 'pickup' || l.priority !== 50) throw new Error(`edited: ${JSON.stringify(l)}`)

    // a location that holds units cannot be deactivated (LOC_005)
    const sku = `BRW-LC-${RUN}`
    await api('POST', '/products', { token: state.token, body: { sku, name: `Loc item ${RUN}` } })
    await api('POST', `/stock/${sku}/restock`, { token: state.token, headers: idem('loc-restock'), body: { quantity: 3, location: code } })
    await page.locator(`[data-test="loc-deactivate-${code}"]`).click()
    await confirmBox(page, `Deactivate ${code}`)
    await page.locator('.el-message--error').getByText('still holds 3 units').waitFor()
    if (!(await api('GET', `/locations/${code}`)).is_active) throw new Error('deactivated while holding units')
    // emptied, it can
    await api('POST', `/stock/${sku}/deduct`, { token: state.token, headers: idem('loc-deduct'), body: { quantity: 3, location: code } })
    await page.locator(`[data-test="loc-deactivate-${code}"]`).click()
    await confirmBox(page, `Deactivate ${code}`)
    await page.locator(`[data-test="loc-state-${code}"]`).getByText('inactive').waitFor()
    l = await api('GET', `/locations/${code}`)
    if (l.is_active) throw new Error('still active after deactivate')
    await snap(page, 'locations_list')
    // and back
    await page.locator(`[data-test="loc-activate-${code}"]`).click()
    await confirmBox(page, `Activate ${code}`)
    await page.locator(`[data-test="loc-state-${code}"]`).getByText('active').waitFor()
    if (!(await api('GET', `/locations/${code}`)).is_active) throw new Error('not active after activate')
    await reconciled(sku)
  }, { shot: 'locations_done' })

  test('stock_per_location', async (page) => {
    const code = `SP${RUN}`
    const sku = `BRW-SP-${RUN}`
    await newLocation(code, `Shop ${RUN}`, { kind: 'store' })
    // (every move names its location: the API tests may have changed
    // which location is the default)
    await api('POST', '/products', { token: state.token, body: { sku, name: `Per place ${RUN}` } })
    await api('POST', `/stock/${sku}/restock`, { token: state.token, headers: idem('sp-main'), body: { quantity: 5, location: 'main' } })
    await api('POST', `/stock/${sku}/restock`, { token: state.token, headers: idem('sp-restock'), body: { quantity: 4, location: code } })
    await asAdmin(page, 'spl')
    // the exact look-up shows the SKU's breakdown
    await page.goto(`${BASE}/desk/stock?sku=${enc(sku)}`)
    const row = (c) => page.locator(`[data-test="place-${sku}-${c}"]`)
    await row(code).waitFor()
    const cells = async (c) => (await row(c).locator('td.num').allInnerTexts()).map((x) => x.trim()).join(' ')
    await until(async () => (await cells('main')) === '5 0 5', 'main 5 0 5')
    await until(async () => (await cells(code)) === '4 0 4', `${code} 4 0 4`)
    await until(async () => (await text(page, `[data-test="available-${sku}"]`)) === '9', 'available 9 in all')

    // deduct 3 at the shop, from its own row
    await page.locator(`[data-test="deduct-${sku}-${code}"]`).click()
    await fill(page, 'action-quantity', '3')
    await fill(page, 'action-reason', 'sold at the shop')
    await page.locator('[data-test="action-submit"]').click()
    await confirmBox(page, `Take 3 out of ${sku} at ${code} (on hand 4 → 1)`)
    await until(async () => (await cells(code)) === '1 0 1', `${code} 1 0 1 after the deduct`)
    await until(async () => (await text(page, `[data-test="available-${sku}"]`)) === '6', 'available 6 in all')

    // restock 2 at the shop from the SKU's row, choosing the location
    await page.locator(`[data-test="restock-${sku}"]`).click()
    await pick(page, 'action-location', code)
    await fill(page, 'action-quantity', '2')
    await page.locator('[data-test="action-submit"]').click()
    await confirmBox(page, `Add 2 to ${sku} at ${code} (on hand 1 → 3)`)
    await until(async () => (await cells(code)) === '3 0 3', `${code} 3 0 3 after the restock`)
    await snap(page, 'stock_per_location')

    // the API agrees, the ledger names the location, reconcile is clean
    const s = await stock(sku)
    if (s.on_hand !== 8 || place(s, 'main').on_hand !== 5 || place(s, code).on_hand !== 3) throw new Error(`stock: ${JSON.stringify(s)}`)
    const led = await api('GET', `/ledger?sku=${enc(sku)}`, { token: state.token })
    const moves = led.items.filter((x) => x.location && x.location.toLowerCase() === code.toLowerCase()).map((x) => `${x.type}${x.on_hand_delta}`)
    if (moves.join(',') !== 'restock2,deduct-3,restock4') throw new Error(`ledger at ${code}: ${moves.join(',')}`)
    await reconciled(sku)

    // the ledger page shows the location of each row
    await page.goto(`${BASE}/desk/ledger?sku=${enc(sku)}`)
    await until(async () => (await page.locator('[data-test="ledger-table"] tbody tr').count()) === 4, '4 ledger rows')
    const first = (await page.locator('[data-test="ledger-table"] tbody tr').first().innerText()).replace(/\s+/g, ' ')
    if (!first.includes(code)) throw new Error(`ledger row without its location: "${first}"`)

    // the location's page lists the stock there
    // (the list names every SKU, in SKU order: after the API tests this
    // run's is pages away, so it is looked up by its SKU here)
    await page.goto(`${BASE}/desk/locations/${enc(code)}`)
    await page.locator('[data-test="location-title"]').getByText(`Shop ${RUN}`).waitFor()
    await page.locator('[data-test="location-stock"] tbody tr').first().waitFor()
    await fill(page, 'location-sku', sku)
    await page.locator('[data-test="location-filter"]').click()
    await until(async () => (await text(page, `[data-test="here-available-${sku}"]`)) === '3', `3 available at ${code}`)
    const here = await api('GET', `/stock?location=${enc(code)}&per_page=100`)
    const mine = here.items.find((x) => x.sku === sku)
    if (mine && place(mine, code).on_hand !== 3) throw new Error(`GET /stock?location: ${JSON.stringify(mine)}`)
  }, { shot: 'location_stock' })

  test('stocktake_frozen_csv_post', async (page) => {
    const code = `ST${RUN}`
    const a = `BRW-STA-${RUN}`
    const b = `BRW-STB-${RUN}`
    await newLocation(code, `Counted ${RUN}`)
    for (const [sku, q] of [[a, 10], [b, 4]]) {
      await api('POST', '/products', { token: state.token, body: { sku, name: `Counted ${sku}` } })
      await api('POST', `/stock/${sku}/restock`, { token: state.token, headers: idem(`st-${sku}`), body: { quantity: q, location: code } })
    }
    await asAdmin(page, 'stk')
    await page.goto(`${BASE}/desk/stocktakes`)
    await page.locator('[data-test="new-stocktake"]').click()
    await pick(page, 'stk-location', code)
    await page.locator('[data-test="stk-freeze"]').click()
    await fill(page, 'stk-note', `shelf count ${RUN}`)
    await page.locator('[data-test="stk-submit"]').click()
    await confirmBox(page, `Freeze ${code}`)
    await page.waitForURL(/\/desk\/stocktakes\/\d+$/)
    const id = Number(page.url().split('/').pop())
    await page.locator('[data-test="stk-title"]').getByText(`Stocktake #${id} at ${code}`).waitFor()
    // frozen: a write there is refused
    const loc = await api('GET', `/locations/${code}`)
    if (loc.frozen_by !== id) throw new Error(`frozen_by ${loc.frozen_by}, expected ${id}`)
    const refused = await fetch(`${BASE}/api/v1/stock/${a}/restock`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${state.token}`, 'Idempotency-Key': `brw-${RUN}-frozen` },
      body: JSON.stringify({ quantity: 1, location: code }),
    }).then((r) => r.json())
    if (refused.error !== 'LOC_002') throw new Error(`restock at a frozen location: ${JSON.stringify(refused)}`)

    // one line typed, the rest from a CSV file with two bad rows
    await page.locator('[data-test="sheet-add"]').click()
    await fill(page, 'sheet-sku-0', a)
    await fill(page, 'sheet-counted-0', '8')
    const csv = `sku,counted\n${b},6\n${a.toLowerCase()}x,-1\n"quoted, SKU"\n`
    await page.locator('[data-test="sheet-file"]').setInputFiles({ name: 'count.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await page.locator('[data-test="sheet-bad-3"]').getByText('line 3: the count is not a whole number').waitFor()
    await page.locator('[data-test="sheet-bad-4"]').getByText('line 4:').waitFor()
    await page.locator('[data-test="sheet-unsaved"]').waitFor()
    await page.locator('[data-test="sheet-save"]').click()
    // the variance review: against the stock at the start
    const cell = (what, sku) => text(page, `[data-test="review-${what}-${sku}"]`)
    await until(async () => (await cell('variance', a)) === '-2', `${a} variance -2`)
    if ((await cell('expected', a)) !== '10' || (await cell('counted', a)) !== '8') throw new Error(`${a} review`)
    if ((await cell('expected', b)) !== '4' || (await cell('counted', b)) !== '6' || (await cell('variance', b)) !== '+2') throw new Error(`${b} review`)
    await page.locator('[data-test="stk-summary"]').getByText('2 counted, 2 differ (+2 / −2 units)').waitFor()
    await snap(page, 'stocktake_review')
    let t = await api('GET', `/stocktakes/${id}`, { token: state.token })
    if (t.status !== 'open' || t.lines.length !== 2) throw new Error(`saved sheet: ${JSON.stringify(t)}`)

    // post: two adjust rows, the location thawed
    await page.locator('[data-test="stk-post"]').click()
    await confirmBox(page, `Post stocktake #${id} at ${code}: 2 lines differ (+2 / −2 units)`)
    await page.locator('[data-test="stk-state"]').getByText('posted').waitFor()
    await page.locator(`[data-test="review-ledger-${a}"]`).waitFor()
    t = await api('GET', `/stocktakes/${id}`, { token: state.token })
    if (t.status !== 'posted') throw new Error(`status ${t.status}`)
    const sa = await stock(a)
    const sb = await stock(b)
    if (place(sa, code).on_hand !== 8 || place(sb, code).on_hand !== 6) throw new Error(`after the post: ${a} ${place(sa, code).on_hand}, ${b} ${place(sb, code).on_hand}`)
    const led = await api('GET', `/ledger?sku=${enc(a)}&type=adjust`, { token: state.token })
    if (!led.items.some((x) => x.on_hand_delta === -2 && String(x.reason).includes(`stocktake ${id}`))) throw new Error(`no adjust row naming stocktake ${id}: ${JSON.stringify(led.items)}`)
    if ((await api('GET', `/locations/${code}`)).frozen_by) throw new Error('still frozen after the post')
    await reconciled(a)
    await reconciled(b)
  }, { shot: 'stocktake_posted' })

  test('stocktake_moves_kept_and_cancel', async (page) => {
    const code = `SU${RUN}`
    const sku = `BRW-SU-${RUN}`
    await newLocation(code, `Open shelf ${RUN}`)
    await api('POST', '/products', { token: state.token, body: { sku, name: `Moving ${RUN}` } })
    await api('POST', `/stock/${sku}/restock`, { token: state.token, headers: idem('su-restock'), body: { quantity: 7, location: code } })
    await asAdmin(page, 'stu')
    await page.goto(`${BASE}/desk/stocktakes?location=${enc(code)}`)
    await page.locator('[data-test="new-stocktake"]').click()
    // the filter's location is the dialog's first choice; no freeze
    await page.locator('[data-test="stk-submit"]').click()
    await page.waitForURL(/\/desk\/stocktakes\/\d+$/)
    const id = Number(page.url().split('/').pop())
    if ((await api('GET', `/locations/${code}`)).frozen_by) throw new Error('frozen without asking')
    // a sale while the count runs: 7 -> 5 on the shelf, counted 6 at start
    await api('POST', `/stock/${sku}/deduct`, { token: state.token, headers: idem('su-deduct'), body: { quantity: 2, location: code } })
    await fill(page, 'sheet-paste', `${sku} 6\nnot a line\n`)
    await page.locator('[data-test="sheet-paste-add"]').click()
    await page.locator('[data-test="sheet-bad-2"]').getByText('line 2: not "SKU count"').waitFor()
    await page.locator('[data-test="sheet-save"]').click()
    await until(async () => (await text(page, `[data-test="review-variance-${sku}"]`)) === '-1', 'variance -1 against the start (7)')
    await page.locator('[data-test="stk-post"]').click()
    await confirmBox(page, '1 line differ')
    await page.locator('[data-test="stk-state"]').getByText('posted').waitFor()
    // the count found one missing; the sale made after the start is kept
    const s = await stock(sku)
    if (place(s, code).on_hand !== 4) throw new Error(`on hand at ${code}: ${place(s, code).on_hand}, expected 7 - 2 - 1 = 4`)
    await reconciled(sku)
    // another, cancelled: nothing moves
    await page.goto(`${BASE}/desk/stocktakes?location=${enc(code)}`)
    await page.locator('[data-test="new-stocktake"]').click()
    await page.locator('[data-test="stk-submit"]').click()
    await page.waitForURL((u) => /\/desk\/stocktakes\/\d+$/.test(u.pathname) && !u.pathname.endsWith(`/${id}`))
    const id2 = Number(page.url().split('/').pop())
    await fill(page, 'sheet-paste', `${sku} 0`)
    await page.locator('[data-test="sheet-paste-add"]').click()
    await page.locator('[data-test="sheet-save"]').click()
    await until(async () => (await text(page, `[data-test="review-variance-${sku}"]`)) === '-4', 'variance -4')
    await page.locator('[data-test="stk-cancel"]').click()
    await confirmBox(page, `Cancel stocktake #${id2}`)
    await page.locator('[data-test="stk-state"]').getByText('cancelled').waitFor()
    if ((await api('GET', `/stocktakes/${id2}`, { token: state.token })).status !== 'cancelled') throw new Error('not cancelled')
    if (place(await stock(sku), code).on_hand !== 4) throw new Error('a cancelled stocktake moved stock')
    // the list shows both
    await page.goto(`${BASE}/desk/stocktakes?location=${enc(code)}`)
    await page.locator(`[data-test="stk-status-${id}"]`).getByText('posted').waitFor()
    await page.locator(`[data-test="stk-status-${id2}"]`).getByText('cancelled').waitFor()
    await reconciled(sku)
  }, { shot: 'stocktakes_list' })

  test('transfer_ship_receive_short_close', async (page) => {
    const from = `XA${RUN}`
    const to = `XB${RUN}`
    const a = `BRW-XA-${RUN}`
    const b = `BRW-XB-${RUN}`
    const note = `<b onmouseover="window.__xss=1">fragile</b> ${RUN}`
    await newLocation(from, `Depot ${RUN}`)
    await newLocation(to, `Branch ${RUN}`, { kind: 'branch' })
    for (const [sku, q] of [[a, 10], [b, 3]]) {
      await api('POST', '/products', { token: state.token, body: { sku, name: `Moving ${sku}` } })
      await api('POST', `/stock/${sku}/restock`, { token: state.token, headers: idem(`xf-${sku}`), body: { quantity: q, location: from } })
    }
    await asAdmin(page, 'xfer')
    await page.goto(`${BASE}/desk/transfers`)
    await page.locator('[data-test="new-transfer"]').click()
    await pick(page, 'xfer-from', from)
    await pick(page, 'xfer-to', to)
    await fill(page, 'xfer-sku-0', a)
    await fill(page, 'xfer-qty-0', '6')
    await fill(page, 'xfer-paste', `${b} 3`)
    await page.locator('[data-test="xfer-paste-add"]').click()
    await fill(page, 'xfer-note', note)
    await page.locator('[data-test="xfer-submit"]').click()
    await confirmBox(page, `Ship 9 units from ${from} to ${to} (6 × ${a}, 3 × ${b})`)
    await page.waitForURL(/\/desk\/transfers\/\d+$/)
    const id = Number(page.url().split('/').pop())
    await page.locator('[data-test="xfer-title"]').getByText(`Transfer #${id}: ${from} → ${to}`).waitFor()
    await until(async () => (await text(page, '[data-test="xfer-in-transit"]')) === '9', '9 in transit')
    await page.getByText(note, { exact: false }).first().waitFor()
    await page.getByText(note).first().hover()
    if (await page.evaluate(() => window.__xss)) throw new Error('a transfer note ran as markup')
    // the units left `from` at once
    let sa = await stock(a)
    if (place(sa, from).on_hand !== 4 || place(sa, to).on_hand !== 0 || sa.on_hand !== 4) throw new Error(`after shipping: ${JSON.stringify(sa.locations)} on hand ${sa.on_hand}`)

    // received short: 4 of 6, all 3 of b
    await fill(page, `recv-${a}`, '4')
    await page.locator('[data-test="xfer-receive"]').click()
    await confirmBox(page, `Receive 7 units at ${to} (4 × ${a}, 3 × ${b})? 2 stay in transit.`)
    await until(async () => (await text(page, `[data-test="xl-received-${a}"]`)) === '4', `${a} received 4`)
    if ((await text(page, `[data-test="xl-in-transit-${a}"]`)) !== '2') throw new Error('2 should be in transit')
    if ((await text(page, `[data-test="xl-in-transit-${b}"]`)) !== '0') throw new Error(`${b} should be all received`)
    await page.locator('[data-test="xfer-state"]').getByText('in transit').waitFor()
    await snap(page, 'transfer_received_short')

    // close: one written off, the other returned
    await fill(page, `wo-${a}`, '1')
    await fill(page, 'xfer-reason', 'crushed in the van')
    await page.locator('[data-test="xfer-close"]').click()
    await confirmBox(page, `Close transfer #${id}: write off 1 (crushed in the van), return 1 to ${from}?`)
    await page.locator('[data-test="xfer-state"]').getByText('closed').waitFor()
    if ((await text(page, `[data-test="xl-written-off-${a}"]`)) !== '1' || (await text(page, `[data-test="xl-returned-${a}"]`)) !== '1') throw new Error('line after the close')
    if ((await text(page, '[data-test="xfer-in-transit"]')) !== '0') throw new Error('units still in transit after the close')

    // every unit accounted for: 10 = 5 at from + 4 at to + 1 written off
    sa = await stock(a)
    const sb = await stock(b)
    if (place(sa, from).on_hand !== 5 || place(sa, to).on_hand !== 4 || sa.on_hand !== 9) throw new Error(`${a}: ${JSON.stringify(sa.locations)}`)
    if (place(sb, from).on_hand !== 0 || place(sb, to).on_hand !== 3) throw new Error(`${b}: ${JSON.stringify(sb.locations)}`)
    const t = await api('GET', `/transfers/${id}`, { token: state.token })
    if (t.status !== 'closed' || t.written_off !== 1 || t.returned !== 1 || t.received !== 7 || t.in_transit !== 0) throw new Error(`transfer: ${JSON.stringify(t)}`)
    const led = await api('GET', `/ledger?sku=${enc(a)}`, { token: state.token })
    const rows = led.items.filter((x) => x.reference_type === 'transfer' && String(x.reference_id) === String(id)).map((x) => `${x.type}@${x.location}${x.on_hand_delta}`)
    const want = [`transfer_in@${from}1`, `transfer_in@${to}4`, `transfer_out@${from}-6`]
    if (rows.sort().join(',') !== want.sort().join(',')) throw new Error(`ledger rows naming the transfer: ${rows.join(',')}`)
    await reconciled(a)
    await reconciled(b)
    // the list
    await page.goto(`${BASE}/desk/transfers?location=${enc(to)}`)
    await page.locator(`[data-test="xfer-status-${id}"]`).getByText('closed').waitFor()
  }, { shot: 'transfer_closed' })

  test('csv_import_dry_run_then_real', async (page) => {
    const code = `CV${RUN}`
    const one = `BRW-CV1-${RUN}`
    const two = `BRW-CV2-${RUN}`
    await newLocation(code, `Imported ${RUN}`)
    const head = 'sku,name,price,category,description,location,on_hand'
    const good = [
      `${one},Imported one,9.90,Books,,main,5`,
      `${one},Imported one,9.90,Books,,${code},2`,
      `${two},"Two, with a comma",1.00,,"<img src=x onerror=window.__xss=1>",main,3`,
    ]
    const bad = [
      `BRW-CV3-${RUN},Bad price,abc,,,main,1`,
      `BRW-CV4-${RUN},Unknown place,1.00,,,NOWHERE${RUN},1`,
    ]
    const file = (rows, name) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(`${[head, ...rows].join('\r\n')}\r\n`) })
    await asAdmin(page, 'csv')
    await page.goto(`${BASE}/desk/csv`)
    // a file with two bad rows: the dry run lists them by line, nothing changes
    await page.locator('[data-test="csv-file"]').setInputFiles(file([...good, ...bad], 'with-bad-rows.csv'))
    await page.locator('[data-test="csv-file-name"]').getByText('with-bad-rows.csv').waitFor()
    await page.locator('[data-test="csv-dry-run"]').click()
    await page.locator('[data-test="csv-bad"]').getByText('2 bad rows: nothing was changed').waitFor()
    await page.locator('[data-test="csv-error-line-5"]').waitFor()
    await page.locator('[data-test="csv-error-line-6"]').waitFor()
    if ((await page.locator('[data-test="csv-errors"] tbody tr').count()) !== 2) throw new Error('two bad rows expected in the report')
    if ((await text(page, '[data-test="csv-error-count"]')) !== '2') throw new Error('error count')
    const rows = (await page.locator('[data-test="csv-errors"] tbody tr').allInnerTexts()).map((x) => x.replace(/\s+/g, ' '))
    if (!/^5 BRW-CV3-\w+ price /.test(rows[0]) || !/^6 BRW-CV4-\w+ location no location/.test(rows[1])) throw new Error(`bad rows: ${rows.join(' | ')}`)
    if (!(await page.locator('[data-test="csv-run"]').isDisabled())) throw new Error('the real run is offered after a dry run with bad rows')
    await snap(page, 'csv_dry_run_bad_rows')
    const none = await fetch(`${BASE}/api/v1/stock/${one}`)
    if (none.status !== 404) throw new Error(`a refused dry run created ${one}: ${none.status}`)

    // the clean file: dry run, then for real
    await page.locator('[data-test="csv-file"]').setInputFiles(file(good, 'clean.csv'))
    await page.locator('[data-test="csv-dry-run"]').click()
    await page.locator('[data-test="csv-clean"]').waitFor()
    if ((await text(page, '[data-test="csv-created"]')) !== '2') throw new Error('a dry run of the clean file should create 2')
    if ((await fetch(`${BASE}/api/v1/stock/${one}`)).status !== 404) throw new Error('a dry run changed something')
    await page.locator('[data-test="csv-run"]').click()
    await confirmBox(page, 'Import clean.csv for real: 2 products created, 0 updated, +10')
    await page.locator('[data-test="csv-done"]').waitFor()
    const s1 = await stock(one)
    const s2 = await stock(two)
    if (place(s1, 'main').on_hand !== 5 || place(s1, code).on_hand !== 2 || place(s2, 'main').on_hand !== 3) throw new Error(`after the import: ${JSON.stringify([s1.locations, s2.locations])}`)
    await reconciled(one)
    await reconciled(two)
    // idempotent by SKU: the same file again creates and moves nothing
    await page.locator('[data-test="csv-dry-run"]').click()
    await until(async () => (await text(page, '[data-test="csv-created"]')) === '0' && (await text(page, '[data-test="csv-updated"]')) === '0', 'the same file again: nothing to do')
    if (await page.evaluate(() => window.__xss)) throw new Error('imported text ran as markup')

    // export the stock at the new location
    await pick(page, 'csv-export-location', code)
    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test="csv-export-stock"]').click()])
    if (dl.suggestedFilename() !== `stock-${code}.csv`) throw new Error(`download name ${dl.suggestedFilename()}`)
    const body = fs.readFileSync(await dl.path(), 'utf8')
    const line = body.split(/\r?\n/).find((l) => l.startsWith(`${one},`))
    if (!line || !line.includes(code) || !/,2(,|$)/.test(line)) throw new Error(`stock export: ${body.slice(0, 400)}`)
  }, { shot: 'csv_imported' })

  test('stock_at_date', async (page) => {
    const code = `AT${RUN}`
    const sku = `BRW-AT-${RUN}`
    await newLocation(code, `History ${RUN}`)
    await api('POST', '/products', { token: state.token, body: { sku, name: `Then and now ${RUN}` } })
    const r1 = await api('POST', `/stock/${sku}/restock`, { token: state.token, headers: idem('at-restock'), body: { quantity: 6, location: code } })
    const row1 = (await api('GET', `/ledger?sku=${enc(sku)}`, { token: state.token })).items.find((x) => x.id === r1.ledger_id)
    // the moment: the next whole second after the restock (the picker's
    // precision); the later moves wait until it is past
    const t = new Date(Math.floor(Date.parse(row1.created_at) / 1000) * 1000 + 1000)
    while (Date.now() < t.getTime() + 1100) await new Promise((r) => setTimeout(r, 100))
    const r2 = await api('POST', `/stock/${sku}/deduct`, { token: state.token, headers: idem('at-deduct'), body: { quantity: 2, location: code } })
    await api('POST', `/stock/${sku}/restock`, { token: state.token, headers: idem('at-restock2'), body: { quantity: 4, location: 'main' } })

    await asAdmin(page, 'at')
    await page.goto(`${BASE}/desk/stock-at`)
    // pick the moment in the picker (local time), the SKU, show
    const p2 = (n) => String(n).padStart(2, '0')
    const local = `${t.getFullYear()}-${p2(t.getMonth() + 1)}-${p2(t.getDate())} ${p2(t.getHours())}:${p2(t.getMinutes())}:${p2(t.getSeconds())}`
    const input = page.locator('[data-test="at-picker"] input, input[data-test="at-picker"]').first()
    await input.click()
    await input.fill(local)
    await input.press('Enter')
    await page.locator('h1').click()
    await fill(page, 'at-sku', sku)
    await page.locator('[data-test="at-show"]').click()
    await page.waitForURL((u) => u.searchParams.get('at') === t.toISOString())
    const cells = async (c) => (await page.locator(`[data-test="at-${sku}-${c}"] td.num`).allInnerTexts()).map((x) => x.trim()).join(' ')
    await until(async () => (await cells(code)) === '6 0 6', `${code} 6 0 6 at ${t.toISOString()}`)
    if ((await text(page, `[data-test="at-on-hand-${sku}"]`)) !== '6') throw new Error('on hand 6 in all then')
    if (await page.locator(`[data-test="at-${sku}-main"]`).count() && (await cells('main')).split(' ')[0] !== '0') throw new Error('main had none then')
    await snap(page, 'stock_at_date')
    const then = await api('GET', `/stock/${enc(sku)}?at=${enc(t.toISOString())}`, { token: state.token })
    if (then.on_hand !== 6 || place(then, code).on_hand !== 6) throw new Error(`API at ${t.toISOString()}: ${JSON.stringify(then)}`)

    // right after the deduct's ledger row, at that location only
    await page.goto(`${BASE}/desk/stock-at?ledger_id=${r2.ledger_id}&location=${enc(code)}&sku=${enc(sku)}`)
    await until(async () => (await cells(code)) === '4 0 4', `${code} 4 after ledger row ${r2.ledger_id}`)
    if (await page.locator(`[data-test="at-${sku}-main"]`).count()) throw new Error('another location shown with a location chosen')
    // and now: 4 at the location, 4 at main
    const now = await stock(sku)
    if (place(now, code).on_hand !== 4 || place(now, 'main').on_hand !== 4) throw new Error(`now: ${JSON.stringify(now.locations)}`)
  }, { shot: 'stock_at_ledger_row' })

  // the same views through Apache (FallbackResource deep links, a CSV
  // export streamed through mod_proxy_fcgi), as a business user: the
  // menu offers what the role may use, the API decides the rest
  test('apache_places_business', async (page) => {
    if (!h.APACHE) throw new Error('no --apache-url')
    const A = h.APACHE
    const code = `AP${RUN}`
    const sku = `BRW-AP-${RUN}`
    await newLocation(code, `Apache shop ${RUN}`, { kind: 'store' })
    await api('POST', '/products', { token: state.token, body: { sku, name: `Through Apache ${RUN}` } })
    await api('POST', `/stock/${sku}/restock`, { token: state.token, headers: idem('ap-restock'), body: { quantity: 7, location: code } })
    await asAdmin(page, 'apbiz', { role: 'business', base: A })
    const menu = page.locator('nav[aria-label="Main"]').first()
    for (const item of ['Locations', 'Transfers', 'Stock at a date', 'CSV import and export']) await menu.getByRole('menuitem', { name: item }).waitFor()
    if (await menu.getByRole('menuitem', { name: 'Stocktakes' }).count()) throw new Error('a business user is offered stocktakes (admin only)')
    // a deep link to a location, the SKU there
    await page.goto(`${A}/desk/locations/${enc(code)}?sku=${enc(sku)}`)
    await page.locator('[data-test="location-title"]').getByText(`Apache shop ${RUN}`).waitFor()
    await until(async () => (await text(page, `[data-test="here-available-${sku}"]`)) === '7', `7 available at ${code} through Apache`)
    // business: no creating locations
    await page.goto(`${A}/desk/locations`)
    await page.locator(`[data-test="loc-link-${code}"]`).waitFor()
    if (await page.locator('[data-test="new-location"]').count()) throw new Error('a business user is offered "New location"')
    // the stock export of that location, streamed through Apache
    await page.goto(`${A}/desk/csv`)
    if (await page.locator('[data-test="csv-import"]').count()) throw new Error('a business user is offered the import (admin only)')
    await pick(page, 'csv-export-location', code)
    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test="csv-export-stock"]').click()])
    const body = fs.readFileSync(await dl.path(), 'utf8')
    if (!body.split(/\r?\n/).some((l) => l.startsWith(`${sku},`) && l.includes(code) && /,7(,|$)/.test(l))) throw new Error(`stock export through Apache: ${body.slice(0, 300)}`)
  }, { shot: 'apache_location' })
}
