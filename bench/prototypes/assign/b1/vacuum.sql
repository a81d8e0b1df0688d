VACUUM orders, pool, bundles;
