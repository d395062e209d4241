// Locations (GET /locations: every one, in allocation order, one page),
// read once per page load and shared by every view that names a location;
// reloadLocations() after a change. Also the small helpers the location,
// transfer, stocktake and stock-at-date views share.
import { ref } from 'vue'
import { get } from './api.js'

export const locations = ref([])
export const locationsError = ref('')
let pending = null

export function reloadLocations() {
  pending = get('/locations', { per_page: 100 })
    .then((d) => {
      locations.value = d.items || []
      locationsError.value = ''
      return locations.value
    })
    .catch((e) => {
      locationsError.value = e.message || String(e)
      pending = null
      return locations.value
    })
  return pending
}

export function loadLocations() {
  return pending || reloadLocations()
}

// "east — East store" for a code (codes compare without case)
export function locationLabel(code) {
  if (!code) return ''
  const l = locations.value.find((x) => x.code.toLowerCase() === String(code).toLowerCase())
  return l ? `${l.code} — ${l.name}` : String(code)
}

export const KINDS = [
  { value: 'warehouse', label: 'Warehouse' },
  { value: 'store', label: 'Store' },
  { value: 'branch', label: 'Branch' },
  { value: 'pickup', label: 'Pickup point' },
]
export const kindLabel = (k) => (KINDS.find((x) => x.value === k) || { label: k || '' }).label

// Lines typed as text, one "SKU quantity" (or "SKU,quantity", "SKU;qty",
// "SKU<tab>qty") a line, into [{sku, quantity}] and the lines that did not
// read, so a long list can be pasted from a spreadsheet.
export function parseLines(text, { allowZero = false } = {}) {
  const lines = []
  const bad = []
  String(text || '').split(/\r?\n/).forEach((raw, i) => {
    const s = raw.trim()
    if (!s) return
    const m = /^(\S+?)[\s,;:]+(-?\d+)$/.exec(s)
    const q = m ? Number(m[2]) : NaN
    if (!m || !Number.isSafeInteger(q) || q < (allowZero ? 0 : 1)) {
      bad.push({ line: i + 1, text: s })
      return
    }
    lines.push({ sku: m[1], quantity: q, line: i + 1 })
  })
  return { lines, bad }
}

// A local date-time picker value ("YYYY-MM-DDTHH:mm:ss", no zone) as the
// API's ISO time in UTC; '' stays ''.
export function localToIso(v) {
  if (!v) return ''
  const d = new Date(v)
  return Number.isNaN(d.getTime()) ? '' : d.toISOString()
}

// The figures of location `code` in a stock row of a list asked with
// ?location=code: the row's `locations` entry when it carries them, else
// the row itself when the reply says it is that location's (data.location
// or the row's own location_stock figures). null when the reply does not
// tell (a server that ignores ?location=).
export function placeOf(row, code, data = {}) {
  const same = (a) => typeof a === 'string' && a.toLowerCase() === String(code).toLowerCase()
  if (Array.isArray(row.locations)) {
    const p = row.locations.find((x) => same(x.location))
    return p || { location: code, on_hand: 0, reserved: 0, available: 0 }
  }
  if (same(data.location) || (row.place && same(row.place.location))) {
    const p = row.place || row
    return { location: code, on_hand: p.on_hand, reserved: p.reserved, available: p.available }
  }
  return null
}

// CSV text (RFC 4180: commas, "quoted" fields with "" inside, CRLF or LF)
// into rows of fields, each with its line number (1-based, the line it
// starts on), so a report can point at the spreadsheet's line.
export function parseCsv(text) {
  const rows = []
  let row = []
  let field = ''
  let quoted = false
  let line = 1
  let start = 1
  const s = String(text || '').replace(/^\ufeff/, '')
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else { if (c === '\n') line++; field += c }
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(field); field = '' } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++
      row.push(field)
      rows.push({ line: start, fields: row })
      row = []
      field = ''
      line++
      start = line
    } else field += c
  }
  if (field !== '' || row.length) { row.push(field); rows.push({ line: start, fields: row }) }
  return rows.filter((r) => r.fields.some((f) => f.trim() !== ''))
}

// A count sheet from CSV: "sku,counted" (a header line is optional),
// into {lines, bad: [{line, text, why}]}.
export function countSheetFromCsv(text) {
  const lines = []
  const bad = []
  parseCsv(text).forEach((r, i) => {
    const [sku = '', counted = ''] = r.fields.map((f) => f.trim())
    if (i === 0 && /^sku$/i.test(sku)) return
    const q = Number(counted)
    if (!sku) bad.push({ line: r.line, text: r.fields.join(','), why: 'no SKU' })
    else if (!/^\d+$/.test(counted) || !Number.isSafeInteger(q)) bad.push({ line: r.line, text: r.fields.join(','), why: 'the count is not a whole number of 0 or more' })
    else lines.push({ sku, counted: q, line: r.line })
  })
  return { lines, bad }
}

export const XFER_TYPE = { in_transit: 'warning', received: 'success', closed: 'info' }
