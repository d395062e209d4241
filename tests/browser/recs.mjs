// Browser tests of the recommendations (issue 14 item 4): "Recommended
// for you" on a signed-in reader's home page (the catalog, /) and
// "Readers also borrowed" on a product's page. Registered by run.mjs,
// which passes its helpers in `h`. The loan graph is made through the API
// (a business key lends to readers by user_id); the page must show the
// titles in the API's order, as text.

export function registerRecs(test, h) {
  const { api, signIn, snap, until, state, BASE, RUN } = h

  async function reader(tag) {
    const u = { email: `${tag}-${RUN}@example.test`, password: `${tag}-${RUN}-pw` }
    u.user = await api('POST', '/users', { token: state.token, body: { ...u, role: 'user', display_name: `Reader ${tag}` } })
    return u
  }
  // one unit of each sku lent to the reader, then brought back
  async function read(u, ...skus) {
    for (const sku of skus) {
      const d = await api('POST', '/loans', { token: state.key, body: { items: [{ sku }], user_id: u.user.id } })
      const loan = (d.loans || [])[0]
      if (!loan) throw new Error(`no loan of ${sku}: ${JSON.stringify(d)}`)
      await api('POST', `/loans/${loan.id}/return`, { token: state.key })
    }
  }
  const names = (page, sel) => page.locator(`${sel} .title`).allInnerTexts()

  test('recs_home_and_product', async (page) => {
    const cat = `Recs ${RUN}`
    const mk = (k, name) => api('POST', '/products', { token: state.token, body: { sku: `BRW-R${k}-${RUN}`, name, category: cat, initial_quantity: 3 } })
    // a hostile title: text, never markup
    const x = await mk('X', `Seed ${RUN}`)
    const a = await mk('A', `<img src=x onerror="window.__xss=1">Also ${RUN}`)
    const b = await mk('B', `Second ${RUN}`)
    const r1 = await reader('recs1')
    const r2 = await reader('recs2')
    const me = await reader('recsme')
    await read(r1, x.sku, a.sku)
    await read(r2, x.sku, a.sku, b.sku)
    await read(me, x.sku)

    // the related list on X's page: A (2 readers) before B (1)
    await signIn(page, BASE, me.email, me.password)
    await page.goto(`${BASE}/p/${x.id}`)
    await page.locator('[data-test="related"] [data-test="related-item"]').first().waitFor()
    const rel = await names(page, '[data-test="related"] [data-test="related-item"]')
    if (rel.join('|') !== [a.name, b.name].join('|')) throw new Error(`related: ${JSON.stringify(rel)}`)
    const first = await page.locator('[data-test="related"] [data-test="related-item"]').first().innerText()
    if (!/2 readers/.test(first)) throw new Error(`related first item: "${first}"`)

    // the home page: A then B, X (read) left out
    await page.goto(`${BASE}/`)
    await page.locator('[data-test="recommendations"] [data-test="rec-item"]').first().waitFor()
    const recs = await until(async () => {
      const n = await names(page, '[data-test="recommendations"] [data-test="rec-item"]')
      return n.length >= 2 ? n : null
    }, 'two recommendations')
    if (recs[0] !== a.name || recs[1] !== b.name) throw new Error(`recommendations: ${JSON.stringify(recs)}`)
    if (recs.includes(x.name)) throw new Error('a title already read is recommended')
    const why = await page.locator('[data-test="recommendations"] [data-test="rec-reason"]').first().innerText()
    if (!/Borrowed with your titles/.test(why)) throw new Error(`reason: "${why}"`)
    // the API says the same
    const d = await api('GET', '/me/recommendations?limit=2', { token: (await api('POST', '/auth/login', { body: { email: me.email, password: me.password } })).access_token })
    if (d.items.map((p) => p.id).join() !== [a.id, b.id].join()) throw new Error(`API: ${JSON.stringify(d.items.map((p) => p.id))}`)
    if (await page.evaluate(() => window.__xss)) throw new Error('a title ran as markup')
    if (await page.locator('[data-test="recommendations"] img').count()) throw new Error('a title made an <img>')
    await snap(page, 'recs_home_list')
    // a click opens the product, with its own related list
    await page.locator('[data-test="recommendations"] [data-test="rec-item"] .title').first().click()
    await page.locator('[data-test="product"] h1').getByText(a.name).waitFor()
  }, { shot: 'recs_product' })
}
