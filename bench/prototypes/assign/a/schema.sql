-- Today's schema (the migrations'), copied from public with its data in the order the bench loads it (request order).
DROP SCHEMA IF EXISTS a CASCADE;
CREATE SCHEMA a;
SET search_path = a, public;
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
