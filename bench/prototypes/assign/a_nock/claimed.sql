-- Orders claimed by open bundles (the run's), for orders per assign.
SELECT count(*) FROM orders o JOIN bundles b ON b.bundle_id = o.bundle_id WHERE b.finished_at IS NULL;
