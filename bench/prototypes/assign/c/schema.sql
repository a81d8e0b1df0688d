-- HOT-able claims: a narrow pool apart (as b1), and orders with only its primary key and room on each page
-- (fillfactor 80), so setting orders.bundle_id changes no indexed column and the new row version stays on its page.
-- A bundle's orders are then found through bundles.order_ids (no index on orders.bundle_id).
DROP SCHEMA IF EXISTS c CASCADE;
CREATE SCHEMA c;
SET search_path = c, public;
CREATE TABLE couriers (LIKE public.couriers INCLUDING ALL);
INSERT INTO couriers SELECT * FROM public.couriers;
CREATE TABLE bundles (LIKE public.bundles INCLUDING ALL);
ALTER TABLE bundles ADD COLUMN order_ids bigint[] NOT NULL DEFAULT '{}';
ALTER TABLE bundles ADD CONSTRAINT fk_bundles_couriers FOREIGN KEY (courier_id) REFERENCES couriers;
CREATE TABLE orders (LIKE public.orders INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY, PRIMARY KEY (order_id))
    WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE orders ADD CONSTRAINT fk_orders_bundles FOREIGN KEY (bundle_id) REFERENCES bundles;
INSERT INTO orders OVERRIDING SYSTEM VALUE SELECT * FROM public.orders ORDER BY seq;
CREATE TABLE pool (
    order_id bigint PRIMARY KEY,
    region integer NOT NULL,
    weight_cg integer NOT NULL,
    seq bigint NOT NULL,
    delivery int4multirange NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
CREATE INDEX ix_pool ON pool (region, weight_cg, seq) INCLUDE (order_id, delivery);
INSERT INTO pool SELECT order_id, region, weight_cg, seq, delivery FROM orders ORDER BY region, weight_cg, seq;
CREATE TABLE proto_answers (courier_id bigint NOT NULL, order_ids bigint[] NOT NULL);
CREATE SEQUENCE proto_lost;
VACUUM (ANALYZE) couriers, bundles, orders, pool;
