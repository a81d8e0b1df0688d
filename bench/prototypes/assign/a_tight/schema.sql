-- As `a`, with a tighter first candidate read: 16 + capacity/100 rows per region instead of the 32 + capacity/50 Pool.cs
-- read first until 2026-12-04 (what public.proto_couriers held when results/prototypes-tight-read.md was measured; it
-- holds the product's own first read, since then this one, so `a` now reads as much). Its own proto_couriers shadows
-- public's; the rare courier whose best bundle needs more is not read on here.
DROP SCHEMA IF EXISTS a_tight CASCADE;
CREATE SCHEMA a_tight;
SET search_path = a_tight, public;
CREATE TABLE proto_couriers (LIKE public.proto_couriers INCLUDING ALL);
INSERT INTO proto_couriers SELECT * FROM public.proto_couriers;
UPDATE proto_couriers SET first_limit = 16 + capacity_cg / 100;
CREATE TABLE couriers (LIKE public.couriers INCLUDING ALL);
INSERT INTO couriers SELECT * FROM public.couriers;
CREATE TABLE bundles (LIKE public.bundles INCLUDING ALL);
ALTER TABLE bundles ADD CONSTRAINT fk_bundles_couriers FOREIGN KEY (courier_id) REFERENCES couriers;
CREATE TABLE orders (LIKE public.orders INCLUDING ALL)
    WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE orders ADD CONSTRAINT fk_orders_bundles FOREIGN KEY (bundle_id) REFERENCES bundles;
INSERT INTO orders OVERRIDING SYSTEM VALUE SELECT * FROM public.orders ORDER BY seq;
CREATE TABLE proto_answers (courier_id bigint NOT NULL, order_ids bigint[] NOT NULL);
CREATE SEQUENCE proto_lost;
VACUUM (ANALYZE) couriers, bundles, orders;
