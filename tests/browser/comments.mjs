// Browser tests of a product's discussion (issue 14, item 2): a reader
// reads a thread whose text is hostile (it shows as text), likes, replies,
// posts and deletes their own comment; staff hide one. Registered by
// run.mjs, which passes its helpers in `h`.

export function registerComments(test, h) {
  const { api, fill, confirmBox, signIn, text, until, state, BASE, RUN } = h
  const HOSTILE = '<img src=x onerror=alert(1)>'
  let n = 0

  // a fresh account of this run (made by the demo admin) and its token
  async function account(tag, role = 'user', name = `Reader ${tag}`) {
    n++
    const u = { email: `cmt-${tag}-${n}-${RUN}@example.test`, password: `cmt-${tag}-${RUN}-pw` }
    u.user = await api('POST', '/users', { token: state.token, body: { ...u, role, display_name: name } })
    u.token = (await api('POST', '/auth/login', { body: { email: u.email, password: u.password } })).access_token
    return u
  }
  async function product(tag) {
    return api('POST', '/products', { token: state.token, body: { sku: `BRW-C${tag}-${RUN}`, name: `Talked-about ${tag} ${RUN}` } })
  }
  const comments = (pid, token) => api('GET', `/products/${pid}/comments?per_page=50`, { token })
  function walk(nodes, out = []) {
    for (const x of nodes) { out.push(x); walk(x.replies || [], out) }
    return out
  }
  // an alert() or an <img> in the panel: markup ran
  function watchMarkup(page) {
    const seen = { dialog: false }
    page.on('dialog', (d) => { seen.dialog = true; d.dismiss().catch(() => {}) })
    return seen
  }
  async function noMarkup(page, seen) {
    if (seen.dialog) throw new Error('a comment ran as markup (alert)')
    if (await page.locator('[data-test="comments"] img').count()) throw new Error('a comment made an <img>')
  }

  test('comments_read_like_reply_delete', async (page) => {
    const seen = watchMarkup(page)
    const p = await product('R')
    const a = await account('a', 'user', 'Ann Reader')
    const b = await account('b', 'user', 'Bo Writer')
    const hostile = await api('POST', `/products/${p.id}/comments`, { token: b.token, body: { body: HOSTILE } })
    await signIn(page, BASE, a.email, a.password)
    await page.goto(`${BASE}/p/${p.id}`)
    const bodySel = `[data-test="comment-body-${hostile.id}"]`
    await until(async () => (await text(page, bodySel)) === HOSTILE, 'the hostile comment shown as its text')
    await noMarkup(page, seen)
    if ((await text(page, `[data-test="comment-author-${hostile.id}"]`)) !== 'Bo Writer') throw new Error('author name')

    // like it
    await page.locator(`[data-test="like-${hostile.id}"]`).click()
    await until(async () => (await text(page, `[data-test="likes-${hostile.id}"]`)) === '1', 'one like shown')
    let t = await comments(p.id, a.token)
    if (t.items[0].like_count !== 1 || !t.items[0].liked) throw new Error(`like: ${JSON.stringify(t.items[0])}`)

    // reply to it (hostile text again, as a reply)
    await page.locator(`[data-test="reply-${hostile.id}"]`).click()
    await fill(page, `reply-text-${hostile.id}`, `Re: ${HOSTILE}`)
    await page.locator(`[data-test="reply-send-${hostile.id}"]`).click()
    t = await until(async () => {
      const d = await comments(p.id, a.token)
      return d.items[0].replies.length === 1 ? d : null
    }, 'the reply stored')
    const reply = t.items[0].replies[0]
    if (reply.body !== `Re: ${HOSTILE}` || reply.parent_id !== hostile.id) throw new Error(`reply: ${JSON.stringify(reply)}`)
    await until(async () => (await text(page, `[data-test="comment-body-${reply.id}"]`)) === `Re: ${HOSTILE}`, 'the reply shown under it')

    // a comment of her own, then deleted
    const mine = `Ann's note ${RUN}\nsecond line`
    await fill(page, 'comment-text', mine)
    await page.locator('[data-test="comment-post"]').click()
    const own = await until(async () => walk((await comments(p.id, a.token)).items).find((x) => x.body === mine), 'her comment stored')
    await page.locator(`[data-test="comment-body-${own.id}"]`).waitFor()
    if (await page.locator(`[data-test="delete-${hostile.id}"]`).count()) throw new Error('a reader may delete another\'s comment')
    await page.locator(`[data-test="delete-${own.id}"]`).click()
    await confirmBox(page)
    await page.locator(`[data-test="comment-${own.id}"]`).waitFor({ state: 'detached' })
    t = await comments(p.id, a.token)
    if (walk(t.items).some((x) => x.id === own.id)) throw new Error('her deleted comment is still listed')
    await noMarkup(page, seen)
  })

  test('comments_staff_hide', async (page) => {
    const seen = watchMarkup(page)
    const p = await product('H')
    const r = await account('r')
    const staff = await account('s', 'admin', 'Moderator')
    const c = await api('POST', `/products/${p.id}/comments`, { token: r.token, body: { body: `${HOSTILE} rude ${RUN}` } })
    await signIn(page, BASE, staff.email, staff.password)
    await page.goto(`${BASE}/p/${p.id}`)
    await page.locator(`[data-test="comment-body-${c.id}"]`).waitFor()
    await page.locator(`[data-test="hide-${c.id}"]`).click()
    await until(async () => (await text(page, `[data-test="hide-${c.id}"]`)) === 'Show', 'shown to staff as hidden')
    const guest = await comments(p.id)
    if (guest.items.length !== 0) throw new Error(`a guest still sees it: ${JSON.stringify(guest.items)}`)
    const mod = await comments(p.id, staff.token)
    if (!mod.items[0] || !mod.items[0].hidden) throw new Error('staff lost it')
    await noMarkup(page, seen)
  })
}
