-- As `a`, without the foreign key orders.bundle_id -> bundles (what its per-row check costs a claim).
DROP SCHEMA IF EXISTS a_nofk CASCADE;
CREATE SCHEMA a_nofk;
SET search_path = a_nofk, public;
CREATE TABLE couriers (LIKE public.couriers INCLUDING ALL);
INSERT INTO couriers SELECT * FROM public.couriers;
CREATE TABLE bundles (LIKE public.bundles INCLUDING ALL);
ALTER TABLE bundles ADD CONSTRAINT fk_bundles_couriers FOREIGN KEY (courier_id) REFERENCES couriers;
CREATE TABLE orders (LIKE public.orders INCLUDING ALL)
    WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
INSERT INTO orders OVERRIDING SYSTEM VALUE SELECT * FROM public.orders ORDER BY seq;
CREATE TABLE proto_answers (courier_id bigint NOT NULL, order_ids bigint[] NOT NULL);
CREATE SEQUENCE proto_lost;
VACUUM (ANALYZE) couriers, bundles, orders;
