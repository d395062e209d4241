// The console's only way to the server: fetch() to /api/v1, JSON in and out.
//
// Tokens: the access token lives in memory only (this module) and is
// refreshed with the refresh token a minute before it expires. The refresh
// token is kept in sessionStorage (this tab only, gone when the tab closes,
// never localStorage) so that a reload does not sign the user out; the
// refresh route rotates it on every use.
import { reactive } from 'vue'

const BASE = '/api/v1'
const RT_KEY = 'holdfast.refresh_token'

export class ApiError extends Error {
  constructor(status, body) {
    const msg = (body && body.message) || `HTTP ${status}`
    super(msg)
    this.status = status
    this.code = body && body.error
    this.details = body && body.details
    this.requestId = body && body.request_id
  }
}

export const session = reactive({
  user: null, // the signed-in user (GET /me), null for a guest
  ready: false, // restore() has run
})

let access = null // the access token: memory only
let accessExp = 0 // ms since the epoch
let refreshTimer = null
let refreshing = null

function refreshToken() {
  try { return sessionStorage.getItem(RT_KEY) } catch { return null }
}
function storeRefresh(t) {
  try {
    if (t) sessionStorage.setItem(RT_KEY, t)
    else sessionStorage.removeItem(RT_KEY)
  } catch { /* storage off: the session ends with the page */ }
}

export function queryString(query) {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === '') continue
    p.set(k, String(v))
  }
  const s = p.toString()
  return s ? `?${s}` : ''
}

// A random Idempotency-Key, also on plain-http hosts (no randomUUID there).
export function newKey(prefix = 'console') {
  const b = new Uint8Array(16)
  crypto.getRandomValues(b)
  return `${prefix}-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`
}

async function send(method, path, { query, body, headers = {}, token, raw, blob } = {}) {
  const h = { Accept: blob ? 'text/csv, application/json' : 'application/json', ...headers }
  let payload
  if (raw !== undefined) {
    payload = raw
  } else if (body !== undefined) {
    h['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  if (token) h.Authorization = `Bearer ${token}`
  let res
  try {
    res = await fetch(BASE + path + queryString(query), { method, headers: h, body: payload })
  } catch (e) {
    throw new ApiError(0, { message: `cannot reach the server (${e.message})` })
  }
  // a file (an export): the body as it came; an error is still JSON
  if (blob && res.ok && !/json/i.test(res.headers.get('Content-Type') || '')) return res.blob()
  let json = null
  try { json = await res.json() } catch { /* not JSON: an HTML error page */ }
  if (!res.ok || !json || (json.code && json.code >= 400)) {
    throw new ApiError(res.status, json || { message: `${res.status} ${res.statusText}` })
  }
  return json.data
}

function setTokens(d) {
  access = d.access_token
  accessExp = Date.now() + (d.expires_in || 900) * 1000
  storeRefresh(d.refresh_token)
  clearTimeout(refreshTimer)
  // a minute before expiry (at least 5 s from now)
  const wait = Math.max(5000, (d.expires_in || 900) * 1000 - 60000)
  refreshTimer = setTimeout(() => { refresh().catch(() => {}) }, wait)
}

function clearTokens() {
  access = null
  accessExp = 0
  storeRefresh(null)
  clearTimeout(refreshTimer)
  session.user = null
}

// One refresh at a time: the token rotates, a second use would revoke it.
export function refresh() {
  if (refreshing) return refreshing
  const rt = refreshToken()
  if (!rt) return Promise.reject(new ApiError(401, { error: 'AUTH_001', message: 'not signed in' }))
  refreshing = send('POST', '/auth/refresh', { body: { refresh_token: rt } })
    .then((d) => { setTokens(d); return d })
    .catch((e) => {
      if (e.status === 401 || e.status === 403) clearTokens()
      throw e
    })
    .finally(() => { refreshing = null })
  return refreshing
}

// api(method, path, {query, body, headers, idem}) -> data; throws ApiError.
// idem: an Idempotency-Key for a write that moves stock.
export async function api(method, path, opts = {}) {
  const headers = { ...(opts.headers || {}) }
  if (opts.idem) headers['Idempotency-Key'] = opts.idem
  if (access && Date.now() > accessExp - 10000 && refreshToken()) {
    await refresh().catch(() => {})
  }
  try {
    return await send(method, path, { ...opts, headers, token: access })
  } catch (e) {
    if (e.status === 401 && access && !opts.retried && refreshToken() &&
        (e.code === 'AUTH_003' || e.code === 'AUTH_002')) {
      await refresh()
      return api(method, path, { ...opts, retried: true })
    }
    if (e.status === 401 && access && e.code !== 'AUTH_004') clearTokens()
    throw e
  }
}

export const get = (path, query) => api('GET', path, { query })
export const post = (path, body, opts = {}) => api('POST', path, { ...opts, body })
export const patch = (path, body) => api('PATCH', path, { body })
export const del = (path) => api('DELETE', path)

export async function login(email, password) {
  const d = await send('POST', '/auth/login', { body: { email, password } })
  setTokens(d)
  session.user = d.user
  return d.user
}

export async function logout() {
  const rt = refreshToken()
  clearTokens()
  if (rt) await send('POST', '/auth/logout', { body: { refresh_token: rt } }).catch(() => {})
}

// At start: a refresh token from this tab's earlier page signs in again.
export async function restore() {
  if (refreshToken()) {
    try {
      await refresh()
      session.user = await api('GET', '/me')
    } catch (e) {
      // refused: sign in again; the server unreachable or busy (5xx): keep
      // the refresh token, so that a reload tries again
      if (e.status === 401 || e.status === 403) clearTokens()
    }
  }
  session.ready = true
}

export const isStaff = () => !!session.user && ['admin', 'business'].includes(session.user.role)
export const isAdmin = () => !!session.user && session.user.role === 'admin'

// Route availability: a route that is not built yet answers 404 REQ_004
// (or 405 REQ_005 when another method of the path exists).
export const notBuilt = (e) => e instanceof ApiError && (e.code === 'REQ_004' || e.code === 'REQ_005')

// The API's own description (GET /api/v1/openapi.json, generated by the
// server from its route table): fetched once, on first use; null when it
// cannot be read. hasRoute('POST', '/loans') tells whether this server
// has a route, before a view offers it.
let openapi = null
export function openapiDoc() {
  if (!openapi) {
    openapi = fetch(`${BASE}/openapi.json`, { headers: { Accept: 'application/json' } })
      .then((res) => (res.ok ? res.json() : null))
      .catch(() => null)
  }
  return openapi
}
export async function hasRoute(method, path) {
  const doc = await openapiDoc()
  const item = doc && doc.paths && doc.paths[BASE + path]
  return !!(item && item[method.toLowerCase()])
}

// A file the API sends (the CSV exports need the token, so a plain link
// cannot fetch them): fetched, then handed to the browser as a download.
export async function download(path, query, filename) {
  const b = await api('GET', path, { query, blob: true })
  const url = URL.createObjectURL(b)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60000)
  return b.size
}
