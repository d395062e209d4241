-- 005: the default product list (newest first, retired hidden) walks this
-- index backwards instead of sorting every product.
ALTER TABLE products ADD KEY ix_products_created (created_at, id);
