using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Common;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using SweetsStore.Api.Imports;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Data.Jobs;

namespace SweetsStore.Api.Jobs;

/// <summary>Hangfire's own Npgsql data source (disposed with the host).</summary>
internal sealed class JobDataSource(Npgsql.NpgsqlDataSource source) : IDisposable
{
    public Npgsql.NpgsqlDataSource Source { get; } = source;

    public void Dispose() => Source.Dispose();
}
