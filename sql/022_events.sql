-- 022_events.sql: the webhook events of the shop (issue 15, item 7).
--
-- webhooks.events is a SET so that the database refuses an unknown name;
-- the new names are appended (a SET's existing members keep their bits,
-- so every webhook keeps what it subscribed to). The same list, in the
-- same order, is webhook_events[] in src/svc/webhooks.c.
--
--   coupon.redeemed   an order carrying a coupon was paid
--   coupon.exhausted  a campaign's last coupon was used
--   points.earned     points earned (a fulfilled order, a check-in)
--   points.expired    a lot of points expired (holdfast-expire)
--   group.joined      a reader started or joined a group
--   group.succeeded   a group's paid members reached its size
--   group.failed      a group's deadline passed first
--   slot.full         a delivery slot's last place was taken
--   delivery.booked   a delivery or pickup order was paid
--   order.refunded    a refund, whole or partial, was recorded
--   order.returned    returned units were received

ALTER TABLE webhooks
	MODIFY events SET('stock.low','stock.out','order.paid',
	                  'order.cancelled','hold.ready','loan.overdue',
	                  'coupon.redeemed','coupon.exhausted',
	                  'points.earned','points.expired',
	                  'group.joined','group.succeeded','group.failed',
	                  'slot.full','delivery.booked',
	                  'order.refunded','order.returned')
	NOT NULL;
