VACUUM assignments, pool, bundles;
