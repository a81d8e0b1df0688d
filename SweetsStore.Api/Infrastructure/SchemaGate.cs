namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// Opens once this process may use the schema: when its start-up migration is applied, or from the start when
/// a separate step applies migrations (<c>Database:MigrateOnStartup=false</c>). Background work waits for it, so
/// a first start on an empty database does not log "relation does not exist" from the job workers.
/// </summary>
public sealed class SchemaGate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Open() => _open.TrySetResult();

    public Task WaitAsync(CancellationToken ct) => _open.Task.WaitAsync(ct);
}
