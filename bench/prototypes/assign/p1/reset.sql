-- As bench/ resets between runs: claimed orders go back (the trigger puts them back into the pool), emptied bundles stay as finished history.
UPDATE orders SET bundle_id = NULL, complete_time = NULL, delivery_micros = NULL WHERE bundle_id IS NOT NULL;
UPDATE bundles SET finished_at = assign_time WHERE finished_at IS NULL;
TRUNCATE proto_answers;
SELECT setval('proto_lost', 1, false);
VACUUM (ANALYZE) orders, pool, bundles, couriers;
