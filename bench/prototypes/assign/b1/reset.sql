-- Claimed orders go back to the pool (in pool-index order) and lose their bundle; emptied bundles stay as finished history.
INSERT INTO pool (order_id, region, weight_cg, seq, delivery)
SELECT order_id, region, weight_cg, seq, delivery FROM orders WHERE bundle_id IS NOT NULL ORDER BY region, weight_cg, seq;
UPDATE orders SET bundle_id = NULL, complete_time = NULL, delivery_micros = NULL WHERE bundle_id IS NOT NULL;
UPDATE bundles SET finished_at = assign_time WHERE finished_at IS NULL;
TRUNCATE proto_answers;
SELECT setval('proto_lost', 1, false);
VACUUM (ANALYZE) orders, pool, bundles, couriers;
