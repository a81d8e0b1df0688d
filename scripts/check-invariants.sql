-- Invariants of the SweetsStore data, one query each. Every query returns the rows that break its invariant:
-- no rows = holds. Run with psql (the \echo lines name each check):
--   psql "$DATABASE_URL" -X -q -A -t -F ' ' -f scripts/check-invariants.sql
-- scaling/run.sh runs it after each load test and counts the rows under each "invariant" line.
-- Capacities in hundredths of a kg (orders.weight_cg): foot 1000, bike 1500, car 5000; coefficients 2, 5, 9.
-- "No order in two bundles" needs no query: orders.bundle_id is a single column.

\echo invariant 1: at most one open bundle (finished_at IS NULL) per courier
SELECT courier_id, count(*) AS open_bundles
FROM bundles WHERE finished_at IS NULL
GROUP BY courier_id HAVING count(*) > 1;

\echo invariant 2: a bundle total weight fits the capacity of the courier type it was assigned with
SELECT b.bundle_id, b.courier_type, sum(o.weight_cg) AS weight_cg
FROM bundles b JOIN orders o ON o.bundle_id = b.bundle_id
GROUP BY b.bundle_id, b.courier_type
HAVING sum(o.weight_cg) > CASE b.courier_type WHEN 'foot' THEN 1000 WHEN 'bike' THEN 1500 WHEN 'car' THEN 5000 END;

\echo invariant 3: every completed order is in a bundle, completed no earlier than the bundle was assigned
SELECT o.order_id, o.bundle_id, o.complete_time, b.assign_time
FROM orders o LEFT JOIN bundles b ON b.bundle_id = o.bundle_id
WHERE o.complete_time IS NOT NULL AND (b.bundle_id IS NULL OR o.complete_time < b.assign_time);

\echo invariant 4: a bundle is finished if and only if none of its orders is open (a bundle left with no orders is finished)
SELECT b.bundle_id, b.finished_at,
       count(o.order_id) FILTER (WHERE o.complete_time IS NULL) AS open_orders, count(o.order_id) AS orders
FROM bundles b LEFT JOIN orders o ON o.bundle_id = b.bundle_id
GROUP BY b.bundle_id, b.finished_at
HAVING (b.finished_at IS NOT NULL) <> (count(o.order_id) FILTER (WHERE o.complete_time IS NULL) = 0);

\echo invariant 5: the coefficient is the one of the bundle courier type
SELECT bundle_id, courier_type, coefficient
FROM bundles
WHERE coefficient <> CASE courier_type WHEN 'foot' THEN 2 WHEN 'bike' THEN 5 WHEN 'car' THEN 9 END;

\echo invariant 6: bundle earnings = 500 x coefficient when finished with at least one delivery, else 0
SELECT b.bundle_id, b.finished_at, b.coefficient, b.earnings,
       CASE WHEN b.finished_at IS NOT NULL AND EXISTS (
                 SELECT 1 FROM orders o WHERE o.bundle_id = b.bundle_id AND o.complete_time IS NOT NULL)
            THEN 500 * b.coefficient ELSE 0 END AS expected
FROM bundles b
WHERE b.earnings <> CASE WHEN b.finished_at IS NOT NULL AND EXISTS (
                           SELECT 1 FROM orders o WHERE o.bundle_id = b.bundle_id AND o.complete_time IS NOT NULL)
                      THEN 500 * b.coefficient ELSE 0 END;

\echo invariant 7: courier earnings = the sum of its bundle earnings
SELECT c.courier_id, c.earnings, coalesce(sum(b.earnings), 0) AS bundles_earnings
FROM couriers c LEFT JOIN bundles b ON b.courier_id = c.courier_id
GROUP BY c.courier_id, c.earnings
HAVING c.earnings <> coalesce(sum(b.earnings), 0);

\echo invariant 8: each delivered order delivery_micros = its complete_time minus the previous delivery in the bundle (or the assign time)
SELECT order_id, bundle_id, delivery_micros, expected
FROM (
    SELECT o.order_id, o.bundle_id, o.delivery_micros,
           (extract(epoch FROM o.complete_time - coalesce(
                lag(o.complete_time) OVER (PARTITION BY o.bundle_id ORDER BY o.complete_time, o.order_id),
                b.assign_time)) * 1000000)::bigint AS expected
    FROM orders o JOIN bundles b ON b.bundle_id = o.bundle_id
    WHERE o.complete_time IS NOT NULL
) d
WHERE delivery_micros IS DISTINCT FROM expected;

\echo invariant 9: courier_region_stats = a recomputation from orders.delivery_micros by courier and region
WITH recomputed AS (
    SELECT b.courier_id, o.region, sum(o.delivery_micros) AS total_micros, count(*) AS deliveries
    FROM orders o JOIN bundles b ON b.bundle_id = o.bundle_id
    WHERE o.complete_time IS NOT NULL
    GROUP BY b.courier_id, o.region
)
SELECT coalesce(s.courier_id, r.courier_id) AS courier_id, coalesce(s.region, r.region) AS region,
       s.total_micros, r.total_micros AS expected_total_micros, s.deliveries, r.deliveries AS expected_deliveries
FROM courier_region_stats s
FULL JOIN recomputed r ON r.courier_id = s.courier_id AND r.region = s.region
WHERE coalesce(s.total_micros, 0) <> coalesce(r.total_micros, 0)
   OR coalesce(s.deliveries, 0) <> coalesce(r.deliveries, 0);
