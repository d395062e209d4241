// The catalog's data. GET /products (search q, category, status, sort) is
// the catalog route; until a server has it (404 REQ_004 / 405 REQ_005), the
// public GET /stock lists the SKUs and a search is an exact SKU look-up.
import { get, notBuilt, ApiError } from './api.js'

export const catalog = { hasProducts: null } // null: not asked yet

function fromStock(s) {
  return { id: s.product_id, sku: s.sku, name: s.name, status: 'active', stock: s }
}

export async function searchProducts(query) {
  if (catalog.hasProducts !== false) {
    try {
      const d = await get('/products', query)
      catalog.hasProducts = true
      return d
    } catch (e) {
      if (!notBuilt(e)) throw e
      catalog.hasProducts = false
    }
  }
  const { q, page, per_page: perPage } = query
  if (q) {
    try {
      const s = await get(`/stock/${encodeURIComponent(q.trim())}`)
      return { items: [fromStock(s)], page: 1, per_page: perPage, total: 1 }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return { items: [], page: 1, per_page: perPage, total: 0 }
      throw e
    }
  }
  const d = await get('/stock', { page, per_page: perPage, status: query.stock_status })
  return { ...d, items: d.items.map(fromStock) }
}

export async function categories() {
  try {
    const d = await get('/categories')
    return Array.isArray(d) ? d : d.items || []
  } catch {
    return []
  }
}

// What a patron sees: can it be had now?
export function availability(p) {
  const s = p.stock || {}
  const avail = p.available ?? s.available
  if (p.status === 'retired') return { type: 'info', text: 'Retired' }
  if (p.status === 'maintenance') return { type: 'info', text: 'In maintenance' }
  if (avail === undefined || avail === null) return { type: 'info', text: 'Unknown' }
  if (avail > 0) return { type: 'success', text: `Available: ${avail}` }
  // lent, sold or held for someone: a hold queues for the next copy
  return { type: 'danger', text: 'Not available now' }
}
