-- As bench/ resets between runs (Db.ResetDeliveriesAsync): claimed orders go back, emptied bundles stay as finished history.
UPDATE orders SET bundle_id = NULL, complete_time = NULL, delivery_micros = NULL WHERE bundle_id IS NOT NULL;
UPDATE bundles SET finished_at = assign_time WHERE finished_at IS NULL;
TRUNCATE proto_answers;
SELECT setval('proto_lost', 1, false);
VACUUM (ANALYZE) orders, bundles, couriers;
