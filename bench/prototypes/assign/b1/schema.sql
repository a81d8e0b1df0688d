-- A narrow pending pool apart from the order rows; a claim deletes its pool rows and still sets orders.bundle_id.
-- orders keeps everything but the pool index; the pool's rows are stored in pool-index order (a sorted import).
DROP SCHEMA IF EXISTS b1 CASCADE;
CREATE SCHEMA b1;
SET search_path = b1, public;
CREATE TABLE couriers (LIKE public.couriers INCLUDING ALL);
INSERT INTO couriers SELECT * FROM public.couriers;
CREATE TABLE bundles (LIKE public.bundles INCLUDING ALL);
ALTER TABLE bundles ADD CONSTRAINT fk_bundles_couriers FOREIGN KEY (courier_id) REFERENCES couriers;
CREATE TABLE orders (LIKE public.orders INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY, PRIMARY KEY (order_id))
    WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
CREATE INDEX ix_orders_bundle ON orders (bundle_id, complete_time, order_id) WHERE bundle_id IS NOT NULL;
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
INSERT INTO pool SELECT order_id, region, weight_cg, seq, delivery FROM orders WHERE bundle_id IS NULL ORDER BY region, weight_cg, seq;
CREATE TABLE proto_answers (courier_id bigint NOT NULL, order_ids bigint[] NOT NULL);
CREATE SEQUENCE proto_lost;
VACUUM (ANALYZE) couriers, bundles, orders, pool;
