-- A narrow pending pool, and claims as inserts: orders keep only what was imported (never updated), the pool holds
-- the pending ones, and an assignment row per claimed order (its primary key, the order id, is the guard) holds
-- the bundle and, later, the delivery. As b2, but the assignments' only foreign key is to bundles (as orders.bundle_id's today).
-- As b2n, but the pool's rows are stored in request order (an import that COPYs the pool unsorted).
DROP SCHEMA IF EXISTS b2n_unsorted CASCADE;
CREATE SCHEMA b2n_unsorted;
SET search_path = b2n_unsorted, public;
CREATE TABLE couriers (LIKE public.couriers INCLUDING ALL);
INSERT INTO couriers SELECT * FROM public.couriers;
CREATE TABLE bundles (LIKE public.bundles INCLUDING ALL);
ALTER TABLE bundles ADD CONSTRAINT fk_bundles_couriers FOREIGN KEY (courier_id) REFERENCES couriers;
CREATE TABLE orders (
    order_id bigint PRIMARY KEY CHECK (order_id >= 1),
    seq bigint NOT NULL,
    weight_cg integer NOT NULL CHECK (weight_cg BETWEEN 1 AND 5000),
    region integer NOT NULL CHECK (region >= 1),
    delivery_hours text[] NOT NULL CHECK (cardinality(delivery_hours) >= 1),
    delivery int4multirange NOT NULL CHECK (NOT isempty(delivery) AND delivery <@ int4multirange(int4range(0, 1440)))
);
INSERT INTO orders SELECT order_id, seq, weight_cg, region, delivery_hours, delivery FROM public.orders ORDER BY seq;
CREATE TABLE pool (
    order_id bigint PRIMARY KEY,
    region integer NOT NULL,
    weight_cg integer NOT NULL,
    seq bigint NOT NULL,
    delivery int4multirange NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
CREATE INDEX ix_pool ON pool (region, weight_cg, seq) INCLUDE (order_id, delivery);
INSERT INTO pool SELECT order_id, region, weight_cg, seq, delivery FROM orders ORDER BY seq;
CREATE TABLE assignments (
    order_id bigint PRIMARY KEY,
    bundle_id bigint NOT NULL REFERENCES bundles,
    region integer NOT NULL,
    complete_time timestamptz,
    delivery_micros bigint,
    CHECK (complete_time IS NULL OR delivery_micros IS NOT NULL)
) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
CREATE INDEX ix_assignments_bundle ON assignments (bundle_id, complete_time, order_id);
CREATE TABLE proto_answers (courier_id bigint NOT NULL, order_ids bigint[] NOT NULL);
CREATE SEQUENCE proto_lost;
VACUUM (ANALYZE) couriers, bundles, orders, pool, assignments;
