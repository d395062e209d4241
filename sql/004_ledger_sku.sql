-- 004: the ledger by SKU, newest first (GET /api/v1/ledger?sku=...), without
-- a scan of the whole table.
ALTER TABLE ledger ADD KEY ix_ledger_sku_id (sku, id);
