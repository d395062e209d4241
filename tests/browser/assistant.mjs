// Browser test of the catalog assistant's chat panel (issue 14, item 5).
// Registered by run.mjs, which passes its helpers in `h`. The stack's
// assistant talks to tests/fake_openai.py, which cites every title the
// search found: the panel must show the answer and those titles, each a
// link with its availability, as text (a hostile title stays text). With
// GET /api/v1/assistant answering "off" the nav line and the panel hide.

export function registerAssistant(test, h) {
  const { api, fill, signIn, snap, until, state, BASE, RUN } = h

  async function asReader(page, tag) {
    const u = { email: `${tag}-${RUN}@example.test`, password: `${tag}-${RUN}-pw` }
    await api('POST', '/users', { token: state.token, body: { ...u, role: 'user', display_name: `Reader ${tag}` } })
    await signIn(page, BASE, u.email, u.password)
    return u
  }

  const navItem = (page) => page.locator('nav .el-menu-item').filter({ hasText: 'Ask the catalog' })

  test('assistant_chat_cites_titles', async (page) => {
    const word = `Quill${RUN}`
    const hostile = `<img src=x onerror="window.__xss=1">${word} Folio`
    const a = await api('POST', '/products', { token: state.token, body: { sku: `BRW-AI1-${RUN}`, name: `The ${word} Almanac`, initial_quantity: 2 } })
    const b = await api('POST', '/products', { token: state.token, body: { sku: `BRW-AI2-${RUN}`, name: hostile } })
    await asReader(page, 'ai')
    await navItem(page).first().waitFor()
    await navItem(page).first().click()
    await page.waitForURL(/\/assistant$/)
    await page.locator('[data-test="assistant-panel"]').waitFor()
    await fill(page, 'assistant-question', `Which ${word} books do you have?`)
    await page.locator('[data-test="assistant-send"]').click()
    const answer = page.locator('[data-test="assistant-assistant"]').last()
    await answer.waitFor()
    const cites = answer.locator('[data-test="assistant-citation"]')
    await until(async () => (await cites.count()) === 2, 'two citations')
    const texts = await cites.allInnerTexts()
    const ta = texts.find((t) => t.includes(a.name))
    const tb = texts.find((t) => t.includes(hostile))
    if (!ta || !ta.includes('2 available')) throw new Error(`citation of ${a.sku}: ${texts.join(' | ')}`)
    if (!tb || !tb.includes('none available')) throw new Error(`hostile citation not shown as text: ${texts.join(' | ')}`)
    if (await page.evaluate(() => window.__xss)) throw new Error('a title ran as HTML')
    const reader = await page.locator('[data-test="assistant-reader"]').last().innerText()
    if (!reader.includes(`Which ${word} books`)) throw new Error(`question shown: ${reader}`)
    const quota = await page.locator('[data-test="assistant-quota"]').innerText()
    if (!/^1 of \d+ questions today$/.test(quota.trim())) throw new Error(`quota: ${quota}`)
    // a follow-up stays in the conversation; the link opens the title
    await fill(page, 'assistant-question', `And the ${word} almanac?`)
    await page.keyboard.press('Enter')
    await until(async () => (await page.locator('[data-test="assistant-assistant"]').count()) === 2, 'a second answer')
    await snap(page, 'assistant_panel')
    await page.locator('[data-test="assistant-assistant"]').last().locator('a').filter({ hasText: a.name }).click()
    await page.waitForURL(new RegExp(`/p/${a.id}$`))
    void b
  }, { shot: 'assistant_chat' })

  test('assistant_hidden_when_off', async (page) => {
    // the server says the assistant is off (no assistant_url)
    await page.route('**/api/v1/assistant', (route) => {
      if (route.request().method() !== 'GET') return route.continue()
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ code: 200, message: 'success', data: { enabled: false, model: null, daily_quota: 50, used_today: 0 } }) })
    })
    await asReader(page, 'aioff')
    await page.locator('nav .el-menu-item').filter({ hasText: 'My loans' }).first().waitFor()
    if (await navItem(page).count()) throw new Error('the nav shows the assistant while it is off')
    await page.goto(`${BASE}/assistant`)
    await page.locator('[data-test="assistant-off"]').waitFor()
    if (await page.locator('[data-test="assistant-panel"]').count()) throw new Error('the panel shows while off')
  }, { shot: 'assistant_off' })
}
