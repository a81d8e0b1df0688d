using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Api.Jobs;
using SweetsStore.Data;
using SweetsStore.Data.Jobs;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>
/// The job worker when the database goes away in the middle of a job (the failover drill lost the primary while
/// an import loaded): the failure cannot be recorded, and the worker must live on to run the job again.
/// </summary>
public class JobWorkerOutageTests : IAsyncLifetime
{
    private string _name = "";
    private string _connectionString = "";

    public async Task InitializeAsync() => (_name, _connectionString) = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"ALTER DATABASE {_name} ALLOW_CONNECTIONS true");
        await TestDatabase.DropAsync(_name);
    }

    [Fact]
    public async Task AWorkerThatCannotRecordAFailureLivesOnAndRunsTheJobAgain()
    {
        await using var source = Database.CreateDataSource(_connectionString);
        await using (var connection = await source.OpenConnectionAsync())
        {
            await JobStore.EnqueueAsync(connection, CuttingHandler.JobKind, 1, 5, CancellationToken.None);
        }

        var handler = new CuttingHandler(_name, source);
        var schema = new SchemaGate();
        schema.Open();
        var options = Options.Create(new JobOptions { LeaseSeconds = 1, PollSeconds = 0.1, Listen = false });
        using var worker = new JobWorker(new JobStore(source), [handler], source, schema, options, NullLogger<JobWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            // The first attempt cuts the database off and fails; it stays cut off a while, then comes back.
            await StandbyTests.EventuallyAsync(() => Task.FromResult(handler.Attempts >= 1));
            await Task.Delay(800);
            await AdminAsync($"ALTER DATABASE {_name} ALLOW_CONNECTIONS true");

            await StandbyTests.EventuallyAsync(async () => await StateAsync() == "succeeded", seconds: 20);
            Assert.Equal(2, handler.Attempts);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    private async Task<string> StateAsync()
    {
        try
        {
            await using var job = new NpgsqlConnection(_connectionString + ";Pooling=false");
            await job.OpenAsync();
            await using var read = new NpgsqlCommand("SELECT state FROM jobs", job);
            return (string)(await read.ExecuteScalarAsync())!;
        }
        catch (PostgresException)
        {
            return "unreachable"; // connections are not allowed yet
        }
    }

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestDatabase.AdminConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Attempt 1: refuses new connections to the database, ends every open one, and fails. Then: succeeds.</summary>
    private sealed class CuttingHandler(string database, NpgsqlDataSource source) : IJobHandler
    {
        public const string JobKind = "cut-off";

        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public string Kind => JobKind;

        public async Task RunAsync(JobRun run, CancellationToken ct)
        {
            if (Interlocked.Increment(ref _attempts) == 1)
            {
                await AdminAsync($"ALTER DATABASE {database} ALLOW_CONNECTIONS false");
                await AdminAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
                throw new InvalidOperationException("the database went away");
            }

            await using var connection = await source.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            await JobStore.SucceedAsync(connection, run.JobId, run.WorkerId, ct);
            await tx.CommitAsync(ct);
        }

        public Task GiveUpAsync(long argument, string error, CancellationToken ct) => Task.CompletedTask;
    }
}
