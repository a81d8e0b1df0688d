-- What a run leaves to (auto)vacuum, measured after it: the tables its claims wrote.
VACUUM orders, bundles;
