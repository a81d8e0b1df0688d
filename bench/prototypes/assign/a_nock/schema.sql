-- As `a`, without the CHECK constraints of orders (what evaluating them on every claimed row costs).
DROP SCHEMA IF EXISTS a_nock CASCADE;
CREATE SCHEMA a_nock;
SET search_path = a_nock, public;
CREATE TABLE couriers (LIKE public.couriers INCLUDING ALL);
INSERT INTO couriers SELECT * FROM public.couriers;
CREATE TABLE bundles (LIKE public.bundles INCLUDING ALL);
ALTER TABLE bundles ADD CONSTRAINT fk_bundles_couriers FOREIGN KEY (courier_id) REFERENCES couriers;
CREATE TABLE orders (LIKE public.orders INCLUDING ALL)
    WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE orders ADD CONSTRAINT fk_orders_bundles FOREIGN KEY (bundle_id) REFERENCES bundles;
ALTER TABLE orders DROP CONSTRAINT ck_orders_order_id, DROP CONSTRAINT ck_orders_weight_cg, DROP CONSTRAINT ck_orders_region,
    DROP CONSTRAINT ck_orders_delivery, DROP CONSTRAINT ck_orders_completed_in_bundle;
INSERT INTO orders OVERRIDING SYSTEM VALUE SELECT * FROM public.orders ORDER BY seq;
CREATE TABLE proto_answers (courier_id bigint NOT NULL, order_ids bigint[] NOT NULL);
CREATE SEQUENCE proto_lost;
VACUUM (ANALYZE) couriers, bundles, orders;
