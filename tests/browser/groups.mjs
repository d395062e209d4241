// Browser tests of group buys (issue 15, item 4): the admin opens a
// campaign in the console; a reader starts a group from the offer list, a
// second reader joins it by its number (both seats reserved at the group
// price); a group whose deadline passed with a paid seat is failed by
// holdfast-expire and the admin marks the seat refunded in the console.
// Registered by run.mjs, which passes its helpers in `h`; asserts what the
// page shows, then the API's group, stock and reconcile.
import { spawnSync } from 'node:child_process'
import path from 'node:path'

export function registerGroups(test, h) {
  const { api, fill, signIn, snap, until, state, BASE, RUN } = h
  const enc = encodeURIComponent
  const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..')
  const DEV_VAR = process.env.DEV_VAR || path.join(REPO, 'var')
  const gb = {}

  async function reader(tag) {
    const u = { email: `grp-${tag}-${RUN}@example.test`, password: `grp-${tag}-${RUN}-pw` }
    u.user = await api('POST', '/users', { token: state.token, body: { ...u, role: 'user', display_name: `Group ${tag}` } })
    return u
  }

  test('group_buy_admin', async (page) => {
    gb.sku = `BRW-G-${RUN}`
    await api('POST', '/products', { token: state.token, body: { sku: gb.sku, name: `Group item ${RUN}`, price: '15.00', initial_quantity: 10 } })
    await signIn(page, BASE, state.clerk.email, state.clerk.password)
    await page.goto(`${BASE}/desk/group-buys`)
    await fill(page, 'gb-name', `Pair deal ${RUN}`)
    await fill(page, 'gb-sku', gb.sku)
    await fill(page, 'gb-size', '2')
    await fill(page, 'gb-price', '9.90')
    await fill(page, 'gb-per-user', '1')
    await page.locator('[data-test="gb-create"]').click()
    await page.locator('.el-message--success').getByText('opened').waitFor()
    const list = await api('GET', '/group-buys?per_page=100', { token: state.token })
    const c = list.items.find((x) => x.sku === gb.sku)
    if (!c || c.group_size !== 2 || c.group_price !== '9.90' || c.per_user !== 1) throw new Error(`campaign: ${JSON.stringify(c)}`)
    gb.id = c.id
    await page.locator(`[data-test="gb-groups-${c.id}"]`).getByText('0 open').waitFor()
  }, { shot: 'group_buy_admin' })

  test('group_buy_reader', async (page) => {
    if (!gb.id) throw new Error('group_buy_admin did not run')
    const r1 = await reader('a')
    const r2 = await reader('b')
    await signIn(page, BASE, r1.email, r1.password)
    await page.goto(`${BASE}/group-buys`)
    await page.locator(`[data-test="start-${gb.id}"]`).click()
    await page.locator('[data-test="my-seat"]').waitFor()
    await page.locator('[data-test="seat-total"]').getByText('9.90').waitFor()
    await page.locator('[data-test="seat-joined"]').getByText('1 of 2').waitFor()
    const gid = Number((await page.locator('[data-test="seat-group"]').innerText()).trim())
    let s = await api('GET', `/stock/${enc(gb.sku)}`)
    if (s.reserved !== 1) throw new Error(`reserved ${s.reserved} after the start`)
    // the second reader joins by the group's number, in a window of their own
    const ctx2 = await page.context().browser().newContext({ viewport: { width: 1280, height: 860 } })
    try {
      const p2 = await ctx2.newPage()
      await signIn(p2, BASE, r2.email, r2.password)
      await p2.goto(`${BASE}/group-buys`)
      await fill(p2, 'join-id', String(gid))
      await p2.locator('[data-test="join-submit"]').click()
      await p2.locator('.el-message--success').getByText(`group ${gid} (2 of 2)`).waitFor()
      await p2.locator('[data-test="seat-joined"]').getByText('2 of 2').waitFor()
      // full: a second try is refused with the group's code
      await p2.locator('[data-test="join-submit"]').click()
      await p2.locator('.el-message--error').first().waitFor()
    } finally {
      await ctx2.close().catch(() => {})
    }
    const g = await api('GET', `/groups/${gid}`, { token: state.token })
    if (g.joined !== 2 || g.paid !== 0 || g.state !== 'open') throw new Error(`group: ${JSON.stringify(g)}`)
    s = await api('GET', `/stock/${enc(gb.sku)}`)
    if (s.reserved !== 2 || s.on_hand !== 10) throw new Error(`stock: ${JSON.stringify(s)}`)
    await snap(page, 'group_buy_reader')
  }, { shot: 'group_buy_reader' })

  test('group_buy_refund_due', async (page) => {
    const sku = `BRW-GF-${RUN}`
    await api('POST', '/products', { token: state.token, body: { sku, name: `Group fail ${RUN}`, price: '8.00', initial_quantity: 4 } })
    const deadline = new Date(Date.now() + 4000).toISOString()
    const c = await api('POST', '/group-buys', { token: state.token, body: { name: `Short ${RUN}`, sku, group_size: 3, group_price: '5.00', deadline, per_user: 0 } })
    const g = await api('POST', `/group-buys/${c.id}/groups`, { token: state.key })
    await api('POST', `/orders/${g.order.id}/pay`, { token: state.key })
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(deadline) - Date.now()) + 600))
    const run = spawnSync(path.join(REPO, 'build', 'holdfast-expire'), [], { env: { ...process.env, HOLDFAST_CONF: path.join(DEV_VAR, 'holdfast.conf') }, encoding: 'utf8', timeout: 60000 })
    if (run.status !== 0) throw new Error(`holdfast-expire: ${run.status} ${run.stdout} ${run.stderr}`)
    await until(async () => (await api('GET', `/groups/${g.id}`, { token: state.token })).state === 'failed', 'the group failed')
    await signIn(page, BASE, state.clerk.email, state.clerk.password)
    await page.goto(`${BASE}/desk/group-buys`)
    const btn = page.locator(`[data-test="gb-refunded-${g.order.id}"]`)
    await btn.click()
    await page.locator('.el-message--success').getByText(`Order ${g.order.id}: refund recorded`).waitFor()
    await btn.waitFor({ state: 'detached' })
    const seats = await api('GET', '/group-members?state=refunded&per_page=100', { token: state.token })
    if (!seats.items.some((m) => m.order_id === g.order.id)) throw new Error('seat not refunded')
    const s = await api('GET', `/stock/${enc(sku)}`)
    if (s.reserved !== 0 || s.on_hand !== 4) throw new Error(`stock after the failure: ${JSON.stringify(s)}`)
    const rec = await api('GET', `/stock/${enc(sku)}/reconcile`, { token: state.token })
    if (!rec.ok) throw new Error(`reconcile of ${sku}: ${JSON.stringify(rec)}`)
  }, { shot: 'group_buy_refund_due' })
}
