using SweetsStore.Bench;
using SweetsStore.Bench.Engine;

// Benchmarks for SweetsStore. bench/run.sh builds, starts PostgreSQL and the API, and calls the two commands below.
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(
        """
        usage:
          SweetsStore.Bench engine [--quick] --out FILE
              AssignmentEngine.Choose with BenchmarkDotNet (in process) and quality checks; writes result rows to FILE
          SweetsStore.Bench run [--quick] --api URL --db CONNECTION_STRING --api-pid PID --out DIR [--engine FILE] [--sdk VERSION]
              [--only import,get_courier,...]  (just the scenarios whose result names start so)
              [--api-metrics-on URL --api-metrics-on-pid PID --api-metrics-off URL --api-metrics-off-pid PID]
                  (two fresh processes of the same API, Telemetry__Metrics=true and false, for metrics_cost_*)
              every HTTP scenario against a running API (its database is emptied first); writes DIR/latest.json and DIR/latest.md
          SweetsStore.Bench profile --api URL --db CONNECTION_STRING --api-pid PID --pg-pid PID --label TEXT --out FILE [--keep-data] [--quick]
              where the time goes (needs pg_stat_statements; see bench/profile.sh); appends a markdown section to FILE
          SweetsStore.Bench prototype --db CONNECTION_STRING --pg-pid PID --dir bench/prototypes --out DIR [--part assign|import|all]
              [--rounds 4] [--variants a,b2,...] [--couriers 4000] [--import-rounds 5] [--rebuild 1] [--reload 1] [--label NAME]
              write-path designs at the SQL level with pgbench (needs pg_stat_statements; see bench/prototypes/run.sh)
        """);
    return args.Length == 0 ? 2 : 0;
}

var options = Options.Parse(args[1..]);
return args[0] switch
{
    "engine" => EngineCommand.Run(options),
    "run" => await RunCommand.RunAsync(options),
    "profile" => await ProfileCommand.RunAsync(options),
    "prototype" => await SweetsStore.Bench.Prototypes.PrototypeCommand.RunAsync(options),
    _ => throw new ArgumentException($"unknown command '{args[0]}'"),
};
