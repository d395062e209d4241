// History-mode routes; the web server answers every unknown path with
// index.html (try_files in nginx, FallbackResource in Apache).
import { createRouter, createWebHistory } from 'vue-router'
import { session } from './api.js'

const STAFF = ['admin', 'business']
const ADMIN = ['admin']
const USER = ['user', 'business', 'admin']

// meta.nav: shown in the menu (group public | account | desk); meta.roles:
// who may open it (none: everyone).
export const routes = [
  { path: '/', name: 'catalog', component: () => import('./views/CatalogView.vue'), meta: { title: 'Catalog', nav: 'public' } },
  { path: '/p/:id', name: 'product', component: () => import('./views/ProductView.vue'), meta: { title: 'Product' } },
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { title: 'Sign in' } },
  { path: '/register', name: 'register', component: () => import('./views/RegisterView.vue'), meta: { title: 'Register' } },
  { path: '/verify', name: 'verify', component: () => import('./views/VerifyView.vue'), meta: { title: 'Verify your e-mail' } },
  { path: '/reset', name: 'reset', component: () => import('./views/ResetView.vue'), meta: { title: 'Reset password' } },
  { path: '/account', name: 'account', component: () => import('./views/AccountView.vue'), meta: { title: 'My account', nav: 'account', roles: USER } },
  { path: '/me/loans', name: 'my-loans', component: () => import('./views/MyLendingView.vue'), meta: { title: 'My loans', nav: 'account', roles: USER, kind: 'loans' } },
  { path: '/me/holds', name: 'my-holds', component: () => import('./views/MyLendingView.vue'), meta: { title: 'My holds', nav: 'account', roles: USER, kind: 'holds' } },
  { path: '/me/points', name: 'my-points', component: () => import('./views/MyPointsView.vue'), meta: { title: 'My points', nav: 'account', roles: USER } },
  { path: '/assistant', name: 'assistant', component: () => import('./views/AssistantView.vue'), meta: { title: 'Ask the catalog', nav: 'account', roles: USER, feature: 'assistant' } },
  { path: '/me/favorites', name: 'my-favorites', component: () => import('./views/FavoritesView.vue'), meta: { title: 'My favorites', nav: 'account', roles: USER } },
  { path: '/me/history', name: 'my-history', component: () => import('./views/HistoryView.vue'), meta: { title: 'History', nav: 'account', roles: USER } },
  { path: '/group-buys', name: 'group-shop', component: () => import('./views/GroupShopView.vue'), meta: { title: 'Group buys', nav: 'account', roles: USER } },
  { path: '/me/delivery', name: 'my-delivery', component: () => import('./views/MyDeliveryView.vue'), meta: { title: 'Delivery and pickup', nav: 'account', roles: USER } },
  { path: '/shop/checkout', name: 'checkout', component: () => import('./views/CheckoutView.vue'), meta: { title: 'Checkout', nav: 'account', roles: USER } },
  { path: '/me/orders', name: 'my-orders', component: () => import('./views/MyOrdersView.vue'), meta: { title: 'My orders', nav: 'account', roles: ['user'] } },
  { path: '/desk/products', name: 'products', component: () => import('./views/ProductsView.vue'), meta: { title: 'Products', nav: 'desk', roles: STAFF } },
  { path: '/desk/stock', name: 'stock', component: () => import('./views/StockView.vue'), meta: { title: 'Stock', nav: 'desk', roles: STAFF } },
  { path: '/desk/locations', name: 'locations', component: () => import('./views/LocationsView.vue'), meta: { title: 'Locations', nav: 'desk', roles: STAFF } },
  { path: '/desk/locations/:code', name: 'location', component: () => import('./views/LocationView.vue'), meta: { title: 'Location', roles: STAFF } },
  { path: '/desk/transfers', name: 'transfers', component: () => import('./views/TransfersView.vue'), meta: { title: 'Transfers', nav: 'desk', roles: STAFF } },
  { path: '/desk/transfers/:id', name: 'transfer', component: () => import('./views/TransferView.vue'), meta: { title: 'Transfer', roles: STAFF } },
  { path: '/desk/stocktakes', name: 'stocktakes', component: () => import('./views/StocktakesView.vue'), meta: { title: 'Stocktakes', nav: 'desk', roles: ADMIN } },
  { path: '/desk/stocktakes/:id', name: 'stocktake', component: () => import('./views/StocktakeView.vue'), meta: { title: 'Stocktake', roles: ADMIN } },
  { path: '/desk/stock-at', name: 'stock-at', component: () => import('./views/StockAtView.vue'), meta: { title: 'Stock at a date', nav: 'desk', roles: STAFF } },
  { path: '/desk/csv', name: 'csv', component: () => import('./views/CsvView.vue'), meta: { title: 'CSV import and export', nav: 'desk', roles: STAFF } },
  { path: '/desk/reservations', name: 'reservations', component: () => import('./views/ReservationsView.vue'), meta: { title: 'Reservations', nav: 'desk', roles: STAFF } },
  { path: '/desk/ledger', name: 'ledger', component: () => import('./views/LedgerView.vue'), meta: { title: 'Ledger', nav: 'desk', roles: STAFF } },
  { path: '/desk/orders', name: 'orders', component: () => import('./views/OrdersView.vue'), meta: { title: 'Orders', nav: 'desk', roles: STAFF } },
  { path: '/desk/delivery', name: 'delivery-admin', component: () => import('./views/DeliveryAdminView.vue'), meta: { title: 'Delivery and pickup', nav: 'desk', roles: ADMIN } },
  { path: '/desk/payments', name: 'payments', component: () => import('./views/PaymentsView.vue'), meta: { title: 'Payments', nav: 'desk', roles: STAFF } },
  { path: '/desk/payments/report', name: 'payment-report', component: () => import('./views/PaymentReportView.vue'), meta: { title: 'Payments that disagree', roles: STAFF } },
  { path: '/desk/coupons', name: 'coupons', component: () => import('./views/CouponsView.vue'), meta: { title: 'Coupons', nav: 'desk', roles: ADMIN } },
  { path: '/desk/points', name: 'points-admin', component: () => import('./views/PointsAdminView.vue'), meta: { title: 'Points', nav: 'desk', roles: ADMIN } },
  { path: '/desk/stats', name: 'stats', component: () => import('./views/StatsView.vue'), meta: { title: 'Statistics', nav: 'desk', roles: STAFF } },
  { path: '/desk/lending', name: 'lending', component: () => import('./views/LendingView.vue'), meta: { title: 'Lending desk', nav: 'desk', roles: STAFF } },
  { path: '/desk/holds', name: 'holds', component: () => import('./views/HoldsView.vue'), meta: { title: 'Holds', nav: 'desk', roles: STAFF } },
  { path: '/desk/group-buys', name: 'group-buys', component: () => import('./views/GroupBuysView.vue'), meta: { title: 'Group buy campaigns', nav: 'desk', roles: ADMIN } },
  { path: '/desk/webhooks', name: 'webhooks', component: () => import('./views/WebhooksView.vue'), meta: { title: 'Webhooks', nav: 'desk', roles: ADMIN } },
  { path: '/desk/webhooks/:id/deliveries', name: 'deliveries', component: () => import('./views/DeliveriesView.vue'), meta: { title: 'Deliveries', roles: ADMIN } },
  { path: '/desk/users', name: 'users', component: () => import('./views/UsersView.vue'), meta: { title: 'Users', nav: 'desk', roles: ADMIN } },
  { path: '/desk/api-keys', name: 'keys', component: () => import('./views/KeysView.vue'), meta: { title: 'API keys', nav: 'desk', roles: ADMIN } },
  { path: '/desk/audit', name: 'audit', component: () => import('./views/AuditView.vue'), meta: { title: 'Audit log', nav: 'desk', roles: ADMIN } },
  { path: '/:rest(.*)*', name: 'notfound', component: () => import('./views/NotFound.vue'), meta: { title: 'Not found' } },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: (to, from, saved) => saved || (to.path !== from.path ? { top: 0 } : undefined),
})

export function allowed(route, user = session.user) {
  const roles = route.meta && route.meta.roles
  if (!roles) return true
  return !!user && roles.includes(user.role)
}

router.beforeEach((to) => {
  if (allowed(to)) return true
  if (!session.user) return { name: 'login', query: { redirect: to.fullPath } }
  return { name: 'catalog' }
})

router.afterEach((to) => {
  document.title = `${to.meta.title || 'Holdfast'} · Holdfast`
})
