-- What issue 22b built (decision 0016, step 1; SweetsStore.Data/PoolSchema.cs verbatim): today's orders without
-- ix_orders_pool, the narrow pool table keyed (region, weight_cg, seq) INCLUDE (order_id, delivery), and the
-- statement-level triggers on orders that keep it in step (the orders' INSERT below fills it, sorted by its key).
DROP SCHEMA IF EXISTS p1 CASCADE;
CREATE SCHEMA p1;
SET search_path = p1, public;
CREATE TABLE couriers (LIKE public.couriers INCLUDING ALL);
INSERT INTO couriers SELECT * FROM public.couriers;
CREATE TABLE bundles (LIKE public.bundles INCLUDING ALL);
ALTER TABLE bundles ADD CONSTRAINT fk_bundles_couriers FOREIGN KEY (courier_id) REFERENCES couriers;
CREATE TABLE orders (LIKE public.orders INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY, PRIMARY KEY (order_id))
    WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
CREATE INDEX ix_orders_bundle ON orders (bundle_id, complete_time, order_id) WHERE bundle_id IS NOT NULL;
ALTER TABLE orders ADD CONSTRAINT fk_orders_bundles FOREIGN KEY (bundle_id) REFERENCES bundles;
CREATE TABLE pool (
    region integer NOT NULL,
    weight_cg integer NOT NULL,
    seq bigint NOT NULL,
    order_id bigint NOT NULL,
    delivery int4multirange NOT NULL,
    CONSTRAINT pk_pool PRIMARY KEY (region, weight_cg, seq) INCLUDE (order_id, delivery)
) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);

-- An order is in the pool when it has no bundle and has delivery hours (issue 15: one without stays
-- pending, never assignable).
CREATE FUNCTION pool_after_orders_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pool (region, weight_cg, seq, order_id, delivery)
    SELECT n.region, n.weight_cg, n.seq, n.order_id, n.delivery FROM pool_new_orders n
    WHERE n.bundle_id IS NULL AND NOT isempty(n.delivery)
    ORDER BY n.region, n.weight_cg, n.seq;
    RETURN NULL;
END $$;

-- Rows that leave the pool (a claim), come back (a release), or change what the pool holds of them.
CREATE FUNCTION pool_after_orders_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM pool p USING pool_old_orders o
    WHERE o.bundle_id IS NULL AND NOT isempty(o.delivery)
      AND p.region = o.region AND p.weight_cg = o.weight_cg AND p.seq = o.seq
      AND NOT EXISTS (SELECT 1 FROM pool_new_orders n
                      WHERE n.order_id = o.order_id AND n.bundle_id IS NULL AND n.region = o.region
                        AND n.weight_cg = o.weight_cg AND n.seq = o.seq AND n.delivery = o.delivery);
    INSERT INTO pool (region, weight_cg, seq, order_id, delivery)
    SELECT n.region, n.weight_cg, n.seq, n.order_id, n.delivery FROM pool_new_orders n
    WHERE n.bundle_id IS NULL AND NOT isempty(n.delivery)
      AND NOT EXISTS (SELECT 1 FROM pool_old_orders o
                      WHERE o.order_id = n.order_id AND o.bundle_id IS NULL AND o.region = n.region
                        AND o.weight_cg = n.weight_cg AND o.seq = n.seq AND o.delivery = n.delivery)
    ORDER BY n.region, n.weight_cg, n.seq;
    RETURN NULL;
END $$;

CREATE FUNCTION pool_after_orders_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM pool p USING pool_old_orders o
    WHERE o.bundle_id IS NULL AND p.region = o.region AND p.weight_cg = o.weight_cg AND p.seq = o.seq;
    RETURN NULL;
END $$;

CREATE FUNCTION pool_after_orders_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE pool;
    RETURN NULL;
END $$;

CREATE TRIGGER pool_after_insert AFTER INSERT ON orders
    REFERENCING NEW TABLE AS pool_new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION pool_after_orders_insert();
CREATE TRIGGER pool_after_update AFTER UPDATE ON orders
    REFERENCING OLD TABLE AS pool_old_orders NEW TABLE AS pool_new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION pool_after_orders_update();
CREATE TRIGGER pool_after_delete AFTER DELETE ON orders
    REFERENCING OLD TABLE AS pool_old_orders
    FOR EACH STATEMENT EXECUTE FUNCTION pool_after_orders_delete();
CREATE TRIGGER pool_after_truncate AFTER TRUNCATE ON orders
    FOR EACH STATEMENT EXECUTE FUNCTION pool_after_orders_truncate();

INSERT INTO orders OVERRIDING SYSTEM VALUE SELECT * FROM public.orders ORDER BY seq;
CREATE TABLE proto_answers (courier_id bigint NOT NULL, order_ids bigint[] NOT NULL);
CREATE SEQUENCE proto_lost;
VACUUM (ANALYZE) couriers, bundles, orders, pool;
