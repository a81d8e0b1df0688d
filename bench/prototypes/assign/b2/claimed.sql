SELECT count(*) FROM assignments a JOIN bundles b ON b.bundle_id = a.bundle_id WHERE b.finished_at IS NULL;
