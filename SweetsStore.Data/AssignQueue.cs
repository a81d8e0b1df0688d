using Microsoft.Extensions.Logging;
using NodaTime;
using Npgsql;

namespace SweetsStore.Data;

/// <summary>
/// Coalesced assigns (docs/decisions/0016, step 3): one loop per process. An assign that arrives while no batch is in
/// flight runs one at once, itself (a batch of one is today's transaction, <see cref="DeliveryService.TryAssignAsync"/>);
/// assigns arriving meanwhile wait, and the next batch takes every one waiting (up to the batch size, one per courier)
/// into one transaction (<see cref="AssignBatch"/>). Each courier is settled on its own: one that lost orders to
/// another process's claim goes back to the front of the queue without them (0005's back-off and 503 unchanged);
/// one whose row another transaction holds, and every courier of a batch that fails for any other reason, is
/// assigned alone (today's path, on a connection of its own).
/// </summary>
internal sealed class AssignQueue(DeliveryService service, NpgsqlDataSource db, IClock clock, int maxBatch, int inFlight, ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiting = [];
    private readonly SemaphoreSlim _slots = new(inFlight, inFlight);
    private readonly SemaphoreSlim _choosing = new(1, 1);
    private readonly HashSet<long> _chosenInFlight = [];
    private readonly HashSet<long> _couriersInFlight = [];
    private readonly BatchTally _tally = new();
    private long _failed;
    private bool _running;

    /// <summary>Batches run so far, the assigns they held, the largest and the last batch's size (tests read these).</summary>
    internal (long Batches, long Assigns, int Largest, int Last) Seen => _tally.Seen;

    /// <summary>Batches that threw (their couriers were then assigned alone, with the same answers): tests see it here.</summary>
    internal long FailedBatches => Interlocked.Read(ref _failed);

    /// <summary>Assigns waiting for the next batch (tests).</summary>
    internal int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    public Task<AssignOutcome> AssignAsync(long courierId, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var waiter = new Waiter(courierId, ct);
        waiter.Registration = ct.Register(static state =>
        {
            var (queue, w) = ((AssignQueue, Waiter))state!;
            queue.Withdraw(w);
        }, (this, waiter));
        var queued = false;
        lock (_gate)
        {
            if (_running || _waiting.Count > 0 || _couriersInFlight.Count > 0)
            {
                _waiting.Add(waiter);
                queued = true;
            }
            else
            {
                // Nothing in flight: this request runs its batch of one itself, so its answer comes back on its own
                // flow (no hand-over to another thread: the single-client latency is today's). Others arriving queue.
                _running = true;
                _couriersInFlight.Add(courierId);
                _tally.Count(1);
            }
        }

        if (queued)
        {
            Kick(); // the loop may be stopped while a batch claims (AssignBatchesInFlight > 1)
            return waiter.Task;
        }

        return DirectAsync(waiter);
    }

    private async Task<AssignOutcome> DirectAsync(Waiter waiter)
    {
        try
        {
            await AloneAsync(waiter); // answers it, fails it, or queues it again after a lost race
        }
        finally
        {
            lock (_gate)
            {
                _running = false;
                _couriersInFlight.Remove(waiter.CourierId);
            }

            Kick();
        }

        return await waiter.Task;
    }

    /// <summary>A request cancelled while it waits leaves the queue; one already in a batch is decided there.</summary>
    private void Withdraw(Waiter waiter)
    {
        lock (_gate)
        {
            if (!_waiting.Remove(waiter))
            {
                return;
            }
        }

        waiter.Fail(new OperationCanceledException(waiter.Ct));
    }

    private void Enqueue(Waiter waiter, bool front)
    {
        lock (_gate)
        {
            if (front)
            {
                _waiting.Insert(0, waiter);
            }
            else
            {
                _waiting.Add(waiter);
            }
        }

        Kick();
    }

    /// <summary>Starts the loop when assigns wait and it is not running.</summary>
    private void Kick()
    {
        lock (_gate)
        {
            if (_running || _waiting.Count == 0)
            {
                return;
            }

            _running = true;
        }

        _ = RunAsync(); // runs on this thread until its first wait: the first batch starts at once
    }

    /// <summary>
    /// The loop: one batch chooses at a time (so each sees every earlier batch's choices); with
    /// <c>inFlight</c> above 1 the next batch starts choosing while the previous claims and commits, without
    /// the orders that one chose.
    /// </summary>
    private async Task RunAsync()
    {
        while (true)
        {
            await _slots.WaitAsync();
            await _choosing.WaitAsync();
            List<Waiter> batch;
            HashSet<long> othersChose;
            lock (_gate)
            {
                batch = Take();
                if (batch.Count == 0)
                {
                    _running = false;
                    _choosing.Release();
                    _slots.Release();
                    break;
                }

                othersChose = [.. _chosenInFlight];
                _couriersInFlight.UnionWith(batch.Select(w => w.CourierId));
                _tally.Count(batch.Count);
            }

            _ = RunBatchAsync(batch, othersChose);
        }

        // An assign left waiting because its courier is in a batch in flight is taken when that batch ends (its Kick).
    }

    private async Task RunBatchAsync(List<Waiter> batch, HashSet<long> othersChose)
    {
        var chose = new List<long>();
        var choosing = 1; // released once: when the batch has chosen, or at its end
        void Chosen(IReadOnlyCollection<long> ids)
        {
            lock (_gate)
            {
                chose.AddRange(ids);
                _chosenInFlight.UnionWith(ids);
            }

            if (Interlocked.Exchange(ref choosing, 0) == 1)
            {
                _choosing.Release();
            }
        }

        try
        {
            if (batch.Count == 1 && othersChose.Count == 0)
            {
                await AloneAsync(batch[0]);
            }
            else
            {
                await TogetherAsync(batch, othersChose, Chosen);
            }
        }
        catch (Exception e)
        {
            // Neither lets an exception out; should one still come, no caller may wait for ever.
            logger.LogError(e, "Assign batch of {Count} couriers failed outside its transaction", batch.Count);
            foreach (var waiter in batch)
            {
                waiter.Fail(e);
            }
        }
        finally
        {
            lock (_gate)
            {
                _chosenInFlight.ExceptWith(chose);
                _couriersInFlight.ExceptWith(batch.Select(w => w.CourierId));
            }

            if (Interlocked.Exchange(ref choosing, 0) == 1)
            {
                _choosing.Release();
            }

            _slots.Release();
            Kick();
        }
    }

    /// <summary>
    /// The waiting assigns in arrival order, up to the batch size, one per courier (a second, or one whose courier is in
    /// a batch in flight, waits for the next batch).
    /// </summary>
    private List<Waiter> Take()
    {
        var batch = new List<Waiter>(Math.Min(maxBatch, _waiting.Count));
        var couriers = new HashSet<long>();
        for (var i = 0; i < _waiting.Count && batch.Count < maxBatch; i++)
        {
            if (!_couriersInFlight.Contains(_waiting[i].CourierId) && couriers.Add(_waiting[i].CourierId))
            {
                batch.Add(_waiting[i]);
                _waiting.RemoveAt(i--);
            }
        }

        return batch;
    }

    /// <summary>A batch of one: today's transaction, one try.</summary>
    private async Task AloneAsync(Waiter waiter)
    {
        try
        {
            await using var connection = await db.OpenConnectionAsync(waiter.Ct);
            var (outcome, lost) = await service.TryAssignAsync(connection, waiter.CourierId, waiter.Taken, null, waiter.Ct);
            if (outcome is not null)
            {
                waiter.Answer(outcome);
            }
            else
            {
                Retry(waiter, lost);
            }
        }
        catch (Exception e)
        {
            waiter.Fail(e);
        }
    }

    private async Task TogetherAsync(List<Waiter> batch, IReadOnlySet<long> othersChose, Action<IReadOnlyCollection<long>> chosen)
    {
        AssignBatch.Settlement[] settled;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await using var connection = await db.OpenConnectionAsync();
            settled = await AssignBatch.RunAsync(connection, db, clock, batch, othersChose, chosen);
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _failed);
            logger.LogWarning(e, "Assign batch of {Count} couriers failed; assigning each of them alone", batch.Count);
            foreach (var waiter in batch)
            {
                _ = AloneAfterFailureAsync(waiter);
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var (outcome, lost, error) = settled[i];
            if (outcome is not null)
            {
                batch[i].Answer(outcome);
            }
            else if (lost is not null)
            {
                Retry(batch[i], lost);
            }
            else if (error is not null)
            {
                batch[i].Fail(error);
            }
            else
            {
                _ = AloneAfterFailureAsync(batch[i]); // its row is held by another transaction: wait for it alone
            }
        }

        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug(
                "Assign batch of {Count} couriers: {New} new, {Lost} lost a race, {Busy} locked elsewhere, {Ms:0.0} ms",
                batch.Count, settled.Count(s => s.Outcome?.Kind == AssignKind.New), settled.Count(s => s.Lost is not null), settled.Count(s => s.Busy),
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>Today's path for a courier the batch could not decide (a failed batch, a courier locked elsewhere).</summary>
    private async Task AloneAfterFailureAsync(Waiter waiter)
    {
        try
        {
            waiter.Answer(await service.AssignAloneAsync(waiter.CourierId, null, waiter.Taken, waiter.Attempt, waiter.Ct), attempts: null);
        }
        catch (Exception e)
        {
            waiter.Fail(e);
        }
    }

    /// <summary>Another process's claim took some of the chosen orders: try again without them (0005).</summary>
    private void Retry(Waiter waiter, long[] lost)
    {
        if (waiter.Attempt == DeliveryService.MaxAttempts)
        {
            waiter.Fail(new ContentionException($"assign for courier {waiter.CourierId} lost {waiter.Attempt} races for orders"));
            return;
        }

        waiter.Taken.UnionWith(lost);
        var pause = DeliveryService.BackOffMilliseconds(waiter.Attempt);
        waiter.Attempt++;
        if (pause == 0)
        {
            Enqueue(waiter, front: true);
        }
        else
        {
            _ = EnqueueAfterAsync(waiter, pause);
        }
    }

    private async Task EnqueueAfterAsync(Waiter waiter, int milliseconds)
    {
        try
        {
            await Task.Delay(milliseconds, waiter.Ct);
            Enqueue(waiter, front: true);
        }
        catch (OperationCanceledException e)
        {
            waiter.Fail(e);
        }
    }

    /// <summary>One assign request: its courier, the orders it lost to other claims, its try, and its answer.</summary>
    internal sealed class Waiter(long courierId, CancellationToken ct) : QueueWaiter<AssignOutcome>(ct)
    {
        public long CourierId { get; } = courierId;

        public HashSet<long> Taken { get; } = [];

        public int Attempt { get; set; } = 1;

        public void Answer(AssignOutcome outcome) => Answer(outcome, Attempt);

        public void Answer(AssignOutcome outcome, int? attempts) => Resolve(attempts is { } n ? outcome with { Attempts = n } : outcome);
    }
}
