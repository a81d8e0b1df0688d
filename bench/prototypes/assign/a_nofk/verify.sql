-- Each row: a check and how many violations it found (0 expected). proto_answers holds what each committed claim answered.
SELECT 'order answered to two couriers', count(*) FROM (
    SELECT id FROM proto_answers, unnest(order_ids) AS id GROUP BY id HAVING count(*) > 1) x
UNION ALL
SELECT 'answered order not stored in that courier''s bundle', count(*)
FROM proto_answers a, unnest(a.order_ids) AS id
LEFT JOIN orders o ON o.order_id = id LEFT JOIN bundles b ON b.bundle_id = o.bundle_id
WHERE b.courier_id IS DISTINCT FROM a.courier_id
UNION ALL
SELECT 'stored claim of an answered courier not in its answer', count(*)
FROM orders o JOIN bundles b ON b.bundle_id = o.bundle_id
WHERE b.finished_at IS NULL AND b.courier_id IN (SELECT courier_id FROM proto_answers)
  AND NOT EXISTS (SELECT 1 FROM proto_answers a WHERE a.courier_id = b.courier_id AND o.order_id = ANY (a.order_ids))
UNION ALL
SELECT 'courier with two open bundles', count(*) FROM (
    SELECT courier_id FROM bundles WHERE finished_at IS NULL GROUP BY courier_id HAVING count(*) > 1) x;
