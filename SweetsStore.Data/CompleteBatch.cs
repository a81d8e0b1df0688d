using NodaTime;
using Npgsql;

namespace SweetsStore.Data;

/// <summary>
/// Several completes in one transaction (<see cref="CompleteQueue"/>): BEGIN and the couriers' locks in one round
/// trip, then the completes' statements (<see cref="DeliveryService.CompleteCommand"/>) and COMMIT in a second. The
/// first statement takes each courier's first complete, the next each courier's second, and so on, so a courier's
/// completes run in arrival order, each statement with a snapshot taken after the earlier ones: a courier's second
/// complete in a batch sees its first. A complete's answer is what it would be alone: the same statement runs it after
/// its courier's lock, and the completes of other couriers beside it touch none of its rows.
/// </summary>
internal static class CompleteBatch
{
    /// <summary>A complete the batch decided (delivered now, or the error to answer), or one it left to run alone (<see cref="Busy"/>).</summary>
    public readonly record struct Settlement(bool? Delivered, Exception? Error)
    {
        /// <summary>Its courier is missing or held by another transaction: not run here.</summary>
        public bool Busy => Delivered is null && Error is null;
    }

    /// <summary>One complete asked for.</summary>
    public readonly record struct Item(long CourierId, long OrderId, Instant CompleteTime);

    /// <summary>
    /// Locks those couriers of $1 that no other transaction holds, in id order (as <see cref="AssignBatch"/> does), and
    /// yields them. The batch waits for no courier: one held by an assign or a PATCH would hold up every complete in it.
    /// </summary>
    private const string LockCouriers = "SELECT courier_id FROM couriers WHERE courier_id = ANY($1) ORDER BY courier_id FOR NO KEY UPDATE SKIP LOCKED";

    /// <summary>
    /// Runs <paramref name="items"/> in one transaction on <paramref name="connection"/>. Throws when the transaction
    /// fails (nothing of it is then committed; the caller runs each alone).
    /// </summary>
    public static async Task<Settlement[]> RunAsync(NpgsqlConnection connection, IReadOnlyList<Item> items)
    {
        var settled = new Settlement[items.Count];
        await using var tx = new PipelinedTransaction(connection);
        var locked = new HashSet<long>();
        var couriers = items.Select(i => i.CourierId).Distinct().ToArray();
        await using (var batch = tx.Batch(commit: false, Sql.BatchCommand(LockCouriers, Sql.P(couriers))))
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                locked.Add(reader.GetInt64(0));
            }
        }

        var run = Enumerable.Range(0, items.Count).Where(i => locked.Contains(items[i].CourierId)).ToArray();
        if (run.Length == 0)
        {
            return settled; // every one busy; disposing the transaction rolls it back
        }

        var found = new DeliveryService.Found?[items.Count];
        var rounds = Rounds(items, run);
        var commands = rounds.Select(r => DeliveryService.CompleteCommand(r.Select(i => items[i]).ToArray())).ToArray();
        await using (var batch = tx.Batch(commit: true, commands))
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            for (var k = 0; k < rounds.Count; k++)
            {
                if (k > 0)
                {
                    await reader.NextResultAsync(); // from the previous statement to this one
                }

                var answers = await DeliveryService.ReadCompletedAsync(reader, rounds[k].Count, CancellationToken.None);
                for (var j = 0; j < answers.Length; j++)
                {
                    found[rounds[k][j]] = answers[j];
                }
            }

            while (await reader.NextResultAsync())
            {
                // the end of the batch, COMMIT included
            }
        }

        tx.Committed();
        foreach (var i in run)
        {
            try
            {
                settled[i] = new Settlement(DeliveryService.Settle(items[i].CourierId, items[i].OrderId, items[i].CompleteTime, found[i]), null);
            }
            catch (Exception e)
            {
                settled[i] = new Settlement(null, e);
            }
        }

        return settled;
    }

    /// <summary>
    /// <paramref name="run"/> (indexes into <paramref name="items"/>, in arrival order) as statements of distinct
    /// couriers: the k-th holds each courier's k-th complete, in arrival order.
    /// </summary>
    private static List<List<int>> Rounds(IReadOnlyList<Item> items, IEnumerable<int> run)
    {
        var rounds = new List<List<int>>();
        var seen = new Dictionary<long, int>();
        foreach (var i in run)
        {
            var k = seen.GetValueOrDefault(items[i].CourierId);
            seen[items[i].CourierId] = k + 1;
            if (rounds.Count == k)
            {
                rounds.Add([]);
            }

            rounds[k].Add(i);
        }

        return rounds;
    }
}
