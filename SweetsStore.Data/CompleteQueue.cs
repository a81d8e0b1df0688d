using Microsoft.Extensions.Logging;
using NodaTime;
using Npgsql;

namespace SweetsStore.Data;

/// <summary>
/// Coalesced completes (docs/decisions/0017): one queue per process. While fewer than <c>inFlight</c> transactions of
/// completes run, a complete runs at once, alone (today's transaction, on the caller's flow: the single-client latency
/// is unchanged); completes arriving meanwhile wait, and the next free slot takes every one waiting (up to the batch
/// size, in arrival order) into one transaction (<see cref="CompleteBatch"/>): one BEGIN, one lock statement and one
/// COMMIT (one WAL flush) for all of them instead of one each. A complete whose courier another transaction holds (or
/// that does not exist), and every complete of a batch that fails, runs alone afterwards.
/// </summary>
internal sealed class CompleteQueue(DeliveryService service, NpgsqlDataSource db, int maxBatch, int inFlight, ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiting = [];
    private readonly BatchTally _tally = new();
    private int _running;

    /// <summary>Transactions run so far (a complete alone counts as one), the completes they held, the largest and the last one's size (tests read these).</summary>
    internal (long Batches, long Completes, int Largest, int Last) Seen => _tally.Seen;

    private long _failed;

    /// <summary>Batches whose transaction failed, so that each of their completes ran alone (tests read this).</summary>
    internal long FailedBatches => Interlocked.Read(ref _failed);

    /// <summary>Completes waiting for a free slot (tests).</summary>
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

    public Task<bool> CompleteAsync(long courierId, long orderId, Instant completeTime, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var waiter = new Waiter(new CompleteBatch.Item(courierId, orderId, completeTime), ct);
        var direct = false;
        lock (_gate)
        {
            if (_running < inFlight && _waiting.Count == 0)
            {
                _running++;
                _tally.Count(1);
                direct = true;
            }
            else
            {
                _waiting.Add(waiter);
            }
        }

        if (direct)
        {
            return DirectAsync(waiter);
        }

        waiter.Registration = ct.Register(static state =>
        {
            var (queue, w) = ((CompleteQueue, Waiter))state!;
            queue.Withdraw(w);
        }, (this, waiter));
        Kick(); // a slot may have come free between the check and now
        return waiter.Task;
    }

    private async Task<bool> DirectAsync(Waiter waiter)
    {
        try
        {
            var item = waiter.Item;
            return await service.CompleteAloneAsync(item.CourierId, item.OrderId, item.CompleteTime, null, waiter.Ct);
        }
        finally
        {
            lock (_gate)
            {
                _running--;
            }

            Kick();
        }
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

    /// <summary>Starts a batch in every free slot while completes wait.</summary>
    private void Kick()
    {
        while (true)
        {
            List<Waiter> batch;
            lock (_gate)
            {
                if (_running >= inFlight || _waiting.Count == 0)
                {
                    return;
                }

                var size = Math.Min(maxBatch, _waiting.Count);
                batch = _waiting.GetRange(0, size);
                _waiting.RemoveRange(0, size);
                _running++;
                _tally.Count(size);
            }

            _ = RunBatchAsync(batch); // runs on this thread until its first wait
        }
    }

    private async Task RunBatchAsync(List<Waiter> batch)
    {
        try
        {
            if (batch.Count == 1)
            {
                await AloneAsync(batch[0]);
            }
            else
            {
                await TogetherAsync(batch);
            }
        }
        catch (Exception e)
        {
            // Neither lets an exception out; should one still come, no caller may wait for ever.
            logger.LogError(e, "Complete batch of {Count} failed outside its transaction", batch.Count);
            foreach (var waiter in batch)
            {
                waiter.Fail(e);
            }
        }
        finally
        {
            lock (_gate)
            {
                _running--;
            }

            Kick();
        }
    }

    private async Task TogetherAsync(List<Waiter> batch)
    {
        CompleteBatch.Settlement[] settled;
        try
        {
            await using var connection = await db.OpenConnectionAsync();
            settled = await CompleteBatch.RunAsync(connection, batch.Select(w => w.Item).ToArray());
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _failed);
            logger.LogWarning(e, "Complete batch of {Count} failed; completing each alone", batch.Count);
            foreach (var waiter in batch)
            {
                _ = AloneAsync(waiter);
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var (delivered, error) = settled[i];
            if (delivered is { } d)
            {
                batch[i].Answer(d);
            }
            else if (error is not null)
            {
                batch[i].Fail(error);
            }
            else
            {
                _ = AloneAsync(batch[i]); // its courier is held by another transaction (or missing): alone, it waits or answers
            }
        }
    }

    /// <summary>Today's transaction for one complete.</summary>
    private async Task AloneAsync(Waiter waiter)
    {
        try
        {
            var item = waiter.Item;
            waiter.Answer(await service.CompleteAloneAsync(item.CourierId, item.OrderId, item.CompleteTime, null, waiter.Ct));
        }
        catch (Exception e)
        {
            waiter.Fail(e);
        }
    }

    /// <summary>One complete request and its answer.</summary>
    private sealed class Waiter(CompleteBatch.Item item, CancellationToken ct) : QueueWaiter<bool>(ct)
    {
        public CompleteBatch.Item Item { get; } = item;

        public void Answer(bool delivered) => Resolve(delivered);
    }
}
