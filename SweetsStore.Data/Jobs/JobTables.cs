namespace SweetsStore.Data.Jobs;

/// <summary>
/// Where Hangfire keeps its jobs: its own schema in our database (docs/decisions/0011). Its tables are Hangfire's;
/// we only read them (the job counts of <c>GET /stats</c>), never write them.
/// </summary>
public static class JobTables
{
    /// <summary>Hangfire.PostgreSql's schema.</summary>
    public const string Schema = "hangfire";
}
