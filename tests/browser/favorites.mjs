// Browser tests of the reader's side (issue 14, items 1 and 3): the
// favorite toggle on a product's page (with "e-mail me when it is back"),
// "My favorites" and "History" (newest first, the switch, clearing).
// Registered by run.mjs with its helpers in `h`; each test acts in the
// console and asserts what the page shows, then the API's state.

export function registerFavorites(test, h) {
  const { api, confirmBox, signIn, text, until, state, BASE, RUN } = h

  // a fresh reader of this run, signed in in the page; its token for the API
  async function asReader(page, tag) {
    const u = { email: `${tag}-${RUN}@example.test`, password: `${tag}-${RUN}-pw` }
    await api('POST', '/users', { token: state.token, body: { ...u, role: 'user', display_name: `Reader ${tag}` } })
    const d = await api('POST', '/auth/login', { body: { email: u.email, password: u.password } })
    await signIn(page, BASE, u.email, u.password)
    return { ...u, token: d.access_token }
  }
  async function newProduct(tag, qty) {
    const sku = `FV-${tag}-${RUN}`
    // a title with markup in it: rendered as text, never as HTML
    return api('POST', '/products', { token: state.token, body: { sku, name: `<b>Fav</b> ${tag} ${RUN}`, initial_quantity: qty } })
  }

  test('favorite_toggle_and_my_favorites', async (page) => {
    const u = await asReader(page, 'fav')
    const out = await newProduct('out', 0)
    const inn = await newProduct('in', 2)
    await page.goto(`${BASE}/p/${out.id}`)
    await page.locator('[data-test="favorite-toggle"]').getByText('Add to favorites').waitFor()
    await until(async () => (await text(page, '[data-test="favorites-count"]')).startsWith('0 '), 'a count of 0')
    await page.locator('[data-test="favorite-toggle"]').click()
    await page.locator('[data-test="favorite-toggle"]').getByText('In your favorites').waitFor()
    await until(async () => (await text(page, '[data-test="favorites-count"]')).startsWith('1 '), 'a count of 1')
    // out of stock: ask to be told
    await page.locator('[data-test="favorite-notify"]').click()
    await until(async () => {
      const l = await api('GET', '/me/favorites', { token: u.token })
      return l.items.length === 1 && l.items[0].product_id === out.id && l.items[0].notify === true
    }, 'the favorite with notify in the API')
    // a reload shows it from the server (favorited, per reader)
    await page.reload()
    await page.locator('[data-test="favorite-toggle"]').getByText('In your favorites').waitFor()
    await page.goto(`${BASE}/p/${inn.id}`)
    await page.locator('[data-test="favorite-toggle"]').getByText('Add to favorites').click()
    await page.locator('[data-test="favorite-toggle"]').getByText('In your favorites').waitFor()
    if (await page.locator('[data-test="favorite-notify"]').count()) throw new Error('notify offered for a title on the shelf')

    // My favorites: newest first, availability now, titles as text
    await page.goto(`${BASE}/me/favorites`)
    const table = page.locator('[data-test="my-favorites"]')
    await table.locator(`[data-test="fav-${inn.id}"]`).waitFor()
    const rows = await table.locator('tbody tr').allInnerTexts()
    if (rows.length !== 2 || !rows[0].includes(`in ${RUN}`) || !rows[1].includes(`out ${RUN}`)) throw new Error(`rows: ${JSON.stringify(rows)}`)
    if ((await text(page, `[data-test="fav-${out.id}"]`)) !== out.name) throw new Error('a title not shown as text')
    if (await table.locator('b').count()) throw new Error('a title made markup')
    if (!(await text(page, `[data-test="fav-avail-${inn.id}"]`)).includes('Available: 2')) throw new Error('availability of the title on the shelf')
    if (!(await text(page, `[data-test="fav-avail-${out.id}"]`)).includes('Not available')) throw new Error('availability of the title that is out')
    await page.locator(`[data-test="fav-remove-${inn.id}"]`).click()
    await table.locator(`[data-test="fav-${inn.id}"]`).waitFor({ state: 'detached' })
    const l = await api('GET', '/me/favorites', { token: u.token })
    if (l.items.length !== 1 || l.items[0].product_id !== out.id) throw new Error(`after removing: ${JSON.stringify(l.items)}`)
    const p = await api('GET', `/products/${inn.id}`)
    if (p.favorites_count !== 0) throw new Error(`favorites_count after removing: ${p.favorites_count}`)

    // the page's toggle takes it off again
    await page.goto(`${BASE}/p/${out.id}`)
    await page.locator('[data-test="favorite-toggle"]').getByText('In your favorites').click()
    await page.locator('[data-test="favorite-toggle"]').getByText('Add to favorites').waitFor()
    const l2 = await api('GET', '/me/favorites', { token: u.token })
    if (l2.items.length !== 0) throw new Error(`after the toggle: ${JSON.stringify(l2.items)}`)
  }, { shot: 'my_favorites' })

  test('history_newest_first_switch_and_clear', async (page) => {
    const u = await asReader(page, 'hist')
    const a = await newProduct('ha', 1)
    const b = await newProduct('hb', 1)
    for (const p of [a, b]) {
      await page.goto(`${BASE}/p/${p.id}`)
      await page.locator('[data-test="product"] h1').getByText(p.name).waitFor()
    }
    await page.goto(`${BASE}/me/history`)
    const table = page.locator('[data-test="my-history"]')
    await table.locator(`[data-test="hist-${b.id}"]`).waitFor()
    const rows = await table.locator('tbody tr').allInnerTexts()
    if (rows.length !== 2 || !rows[0].includes(`hb ${RUN}`) || !rows[1].includes(`ha ${RUN}`)) throw new Error(`rows: ${JSON.stringify(rows)}`)
    if (await table.locator('b').count()) throw new Error('a title made markup')

    // the switch off: a view is not recorded
    await page.locator('[data-test="history-enabled"]').click()
    await until(async () => (await api('GET', '/me', { token: u.token })).history_enabled === false, 'history_enabled false')
    await page.goto(`${BASE}/p/${a.id}`)
    await page.locator('[data-test="product"] h1').getByText(a.name).waitFor()
    let h = await api('GET', '/me/history', { token: u.token })
    if (h.items.map((i) => i.product_id).join() !== [b.id, a.id].join()) throw new Error(`while off: ${JSON.stringify(h.items)}`)

    // cleared
    await page.goto(`${BASE}/me/history`)
    await table.locator(`[data-test="hist-${a.id}"]`).waitFor()
    await page.locator('[data-test="history-clear"]').click()
    await confirmBox(page, 'Clear your whole reading history')
    await table.locator(`[data-test="hist-${a.id}"]`).waitFor({ state: 'detached' })
    h = await api('GET', '/me/history', { token: u.token })
    if (h.items.length !== 0) throw new Error(`after clearing: ${JSON.stringify(h.items)}`)
    // on again (the switch shows the server's value after a reload)
    await page.reload()
    await page.locator('[data-test="history-enabled"]').click()
    await until(async () => (await api('GET', '/me', { token: u.token })).history_enabled === true, 'history_enabled true')
  }, { shot: 'my_history' })
}
