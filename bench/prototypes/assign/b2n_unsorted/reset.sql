-- Claimed orders go back to the pool (in request order), their assignments go; emptied bundles stay as finished history.
INSERT INTO pool (order_id, region, weight_cg, seq, delivery)
SELECT o.order_id, o.region, o.weight_cg, o.seq, o.delivery FROM assignments a JOIN orders o ON o.order_id = a.order_id
ORDER BY o.seq;
DELETE FROM assignments;
UPDATE bundles SET finished_at = assign_time WHERE finished_at IS NULL;
TRUNCATE proto_answers;
SELECT setval('proto_lost', 1, false);
VACUUM (ANALYZE) assignments, pool, bundles, couriers;
