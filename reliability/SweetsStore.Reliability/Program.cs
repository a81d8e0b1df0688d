using SweetsStore.Reliability;

// reliability/run.sh drives these commands; each prints a readable report and exits non-zero when a check fails.
return await Cli.RunAsync(args);
