-- Today's schema, its rows stored in pool-index order (region, weight, seq): what an import that COPYs in that order stores.
DROP SCHEMA IF EXISTS a_sorted CASCADE;
CREATE SCHEMA a_sorted;
SET search_path = a_sorted, public;
CREATE TABLE couriers (LIKE public.couriers INCLUDING ALL);
INSERT INTO couriers SELECT * FROM public.couriers;
CREATE TABLE bundles (LIKE public.bundles INCLUDING ALL);
ALTER TABLE bundles ADD CONSTRAINT fk_bundles_couriers FOREIGN KEY (courier_id) REFERENCES couriers;
CREATE TABLE orders (LIKE public.orders INCLUDING ALL)
    WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE orders ADD CONSTRAINT fk_orders_bundles FOREIGN KEY (bundle_id) REFERENCES bundles;
INSERT INTO orders OVERRIDING SYSTEM VALUE SELECT * FROM public.orders ORDER BY region, weight_cg, seq;
CREATE TABLE proto_answers (courier_id bigint NOT NULL, order_ids bigint[] NOT NULL);
CREATE SEQUENCE proto_lost;
VACUUM (ANALYZE) couriers, bundles, orders;
