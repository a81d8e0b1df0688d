using Npgsql;

namespace SweetsStore.Bench.Load;

/// <summary>
/// What the API's PostgreSQL sessions do while a pass runs: <c>pg_stat_activity</c> sampled every 25 ms on a connection
/// of its own (about 40 small queries a second). Per sample it counts the sessions of one application name that are
/// inside a transaction, those of them waiting for a commit's WAL flush (wait event <c>WALSync</c> or <c>WALWrite</c>),
/// and those waiting for the client's next message (idle in transaction); <see cref="StopAsync"/> gives the averages.
/// Where CPU time per request says what a pass costs, this says what its transactions wait for when cores sit idle.
/// </summary>
internal sealed class WaitWatch : IAsyncDisposable
{
    private const string Sample =
        """
        SELECT count(*) FILTER (WHERE state <> 'idle'),
               count(*) FILTER (WHERE state = 'active' AND wait_event IN ('WALSync', 'WALWrite')),
               count(*) FILTER (WHERE state LIKE 'idle in transaction%')
        FROM pg_stat_activity
        WHERE application_name = $1 AND backend_type = 'client backend'
        """;

    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(25);

    private readonly CancellationTokenSource _stop = new();
    private readonly Task<(long Samples, long InTransaction, long Flush, long ClientWait)> _loop;

    private WaitWatch(NpgsqlDataSource source, string application) => _loop = LoopAsync(source, application, _stop.Token);

    /// <summary>Starts sampling the sessions named <paramref name="application"/> (the API's: <c>sweetsstore</c>).</summary>
    public static WaitWatch Start(NpgsqlDataSource source, string application = "sweetsstore") => new(source, application);

    /// <summary>
    /// Stops and returns the averages per sample (disposing stops it too, for a pass that throws): <c>in_transaction</c>, <c>waiting_for_commit_flush</c>,
    /// <c>waiting_for_the_api</c>, and <c>samples</c>.
    /// </summary>
    public async Task<Dictionary<string, object?>> StopAsync()
    {
        await _stop.CancelAsync();
        var (samples, inTransaction, flush, clientWait) = await _loop;
        double Avg(long n) => samples == 0 ? 0 : Math.Round((double)n / samples, 2);
        return new Dictionary<string, object?>
        {
            ["in_transaction"] = Avg(inTransaction),
            ["waiting_for_commit_flush"] = Avg(flush),
            ["waiting_for_the_api"] = Avg(clientWait),
            ["samples"] = samples,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        finally
        {
            _stop.Dispose();
        }
    }

    private static async Task<(long, long, long, long)> LoopAsync(NpgsqlDataSource source, string application, CancellationToken ct)
    {
        long samples = 0, inTransaction = 0, flush = 0, clientWait = 0;
        try
        {
            await using var connection = await source.OpenConnectionAsync(ct);
            await using var command = new NpgsqlCommand(Sample, connection) { Parameters = { new() { Value = application } } };
            await command.PrepareAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                await using (var reader = await command.ExecuteReaderAsync(ct))
                {
                    await reader.ReadAsync(ct);
                    inTransaction += reader.GetInt64(0);
                    flush += reader.GetInt64(1);
                    clientWait += reader.GetInt64(2);
                }

                samples++;
                await Task.Delay(Every, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopped
        }

        return (samples, inTransaction, flush, clientWait);
    }
}
