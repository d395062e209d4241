// Shared helpers: error display, confirmations, formatting, and lists whose
// page and filters live in the URL (so every list view can be bookmarked).
import { reactive, ref, watch, onMounted, onBeforeUnmount } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { ElMessage, ElMessageBox } from 'element-plus'

// The API's own words: message, plus the short lines of INV_002.
export function errorText(e) {
  let s = (e && e.message) || String(e)
  const lines = e && e.details && e.details.lines
  if (Array.isArray(lines) && lines.length) {
    s += ` (${lines.map((l) => `${l.sku}: requested ${l.requested}, available ${l.available}`).join('; ')})`
  } else if (e && e.details && e.details.field) {
    s += ` (${e.details.field}${e.details.reason ? `: ${e.details.reason}` : ''})`
  }
  return s
}

export function showError(e) {
  ElMessage({ type: 'error', message: errorText(e), duration: 6000, showClose: true })
}

export function ok(msg) {
  ElMessage({ type: 'success', message: msg, duration: 3000 })
}

// Every action that moves stock asks first. Resolves true or false.
export async function confirmAction(message, title = 'Please confirm', okText = 'Confirm', danger = false) {
  try {
    await ElMessageBox.confirm(message, title, {
      confirmButtonText: okText,
      cancelButtonText: 'Cancel',
      type: danger ? 'warning' : 'info',
      autofocus: true,
    })
    return true
  } catch {
    return false
  }
}

export function fmtTime(iso) {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const p2 = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}`
}

export function fmtDelta(n) {
  if (n === null || n === undefined) return ''
  return n > 0 ? `+${n}` : String(n)
}

export const STATUS_TAG = { ok: 'success', warning: 'warning', critical: 'danger', out: 'info' }
export const STATUS_LABEL = { ok: 'OK', warning: 'Low', critical: 'Critical', out: 'Out of stock' }

// useList(loader, defaults): a paginated list whose filters and page are the
// route's query. loader(query) -> {items, total}. Filters are edited in
// `filters`; apply() puts them in the URL, which (re)loads the list.
export function useList(loader, defaults = {}) {
  const route = useRoute()
  const router = useRouter()
  const name = route.name
  const filters = reactive({ ...defaults })
  const items = ref([])
  const total = ref(0)
  const page = ref(1)
  const perPage = ref(20)
  const loading = ref(false)
  const error = ref('')
  let seq = 0

  function fromRoute() {
    for (const k of Object.keys(defaults)) {
      const v = route.query[k]
      filters[k] = v === undefined ? defaults[k] : String(v)
    }
    page.value = Math.max(1, parseInt(route.query.page, 10) || 1)
    perPage.value = Math.min(100, Math.max(1, parseInt(route.query.per_page, 10) || 20))
  }

  function query(extra = {}) {
    const q = {}
    for (const [k, v] of Object.entries({ ...filters, ...extra })) {
      if (v !== '' && v !== null && v !== undefined) q[k] = String(v)
    }
    return q
  }

  async function load() {
    fromRoute()
    const my = ++seq
    loading.value = true
    error.value = ''
    try {
      const d = await loader({ ...query(), page: page.value, per_page: perPage.value })
      if (my !== seq) return
      items.value = d.items || []
      total.value = d.total || 0
    } catch (e) {
      if (my !== seq) return
      items.value = []
      total.value = 0
      error.value = errorText(e)
    } finally {
      if (my === seq) loading.value = false
    }
  }

  function go(q) {
    const same = JSON.stringify(q) === JSON.stringify(route.query)
    if (same) load()
    else router.push({ name, query: q })
  }

  function apply() {
    const q = query()
    if (perPage.value !== 20) q.per_page = String(perPage.value)
    go(q)
  }
  function reset() {
    Object.assign(filters, defaults)
    go({})
  }
  function setPage(p) { go({ ...route.query, page: String(p) }) }
  function setPerPage(n) { go({ ...route.query, per_page: String(n), page: '1' }) }

  const stop = watch(() => route.fullPath, () => { if (route.name === name) load() })
  onMounted(load)
  onBeforeUnmount(stop)
  fromRoute()
  return { filters, items, total, page, perPage, loading, error, load, apply, reset, setPage, setPerPage }
}

// A narrow screen (phone): tables drop columns, dialogs take the width.
export function useNarrow() {
  const mq = window.matchMedia('(max-width: 768px)')
  const narrow = ref(mq.matches)
  const on = (e) => { narrow.value = e.matches }
  mq.addEventListener('change', on)
  onBeforeUnmount(() => mq.removeEventListener('change', on))
  return narrow
}

// An <input type=date> day (YYYY-MM-DD) as the API's exclusive upper bound:
// the next day, so a "to" day is included.
export function dayAfter(day) {
  if (!day) return ''
  const d = new Date(`${day}T00:00:00Z`)
  if (Number.isNaN(d.getTime())) return day
  d.setUTCDate(d.getUTCDate() + 1)
  return d.toISOString().slice(0, 10)
}
