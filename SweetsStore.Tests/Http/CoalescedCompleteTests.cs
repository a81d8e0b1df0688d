using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NodaTime;
using SweetsStore.Data;
using SweetsStore.Domain;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>
/// Coalesced completes (docs/decisions/0017): completes without a key that arrive while the process's transactions of
/// completes are all in flight share the next one (<see cref="CompleteQueue"/>, <see cref="CompleteBatch"/>). A test
/// holds a courier's row locked and starts completes of that courier until every slot waits on it; completes asked
/// meanwhile queue and become the next batch, in the order they were asked. Runs with the defaults (three in flight)
/// and with one (<see cref="OneCompleteInFlightTests"/>).
/// </summary>
public class CoalescedCompleteTests(ApiFactory api) : LockingDeliveryTest(api)
{
    private const long Blocker = 1000;

    private DeliveryService Deliveries => Api.Services.GetRequiredService<DeliveryService>();

    private CompleteQueue Queue => Deliveries.CompleteQueue ?? throw new InvalidOperationException("coalescing is off");

    /// <summary>
    /// The completes of <see cref="ABatchAnswersAndStoresWhatTheSameCompletesOneAfterAnotherWould"/>: in order, out of
    /// order (a later delivery shortening its successor's), one order twice, the last of a bundle (it finishes and pays),
    /// and every error: unknown order and courier, another courier's order, a pending order, a time before the assign.
    /// </summary>
    private static readonly (long Courier, long Order, int Minute)[] Mixed =
    [
        (1, 1, 10), (2, 6, 12), (1, 3, 30), (1, 2, 20), (3, 11, 5), (2, 6, 50), (1, 999, 40), (999, 1, 40),
        (2, 1, 40), (1, 16, 40), (3, 12, 8), (3, 13, -5), (2, 7, 14), (3, 13, 9), (1, 4, 45), (1, 5, 46),
    ];

    /// <summary>
    /// Completes that share one statement of the batch (each courier's k-th complete runs in the batch's k-th statement):
    /// a courier asking for another's order beside its owner's complete of it, out-of-order deliveries, a repeat, and the
    /// last orders of two bundles in one statement (both finish and pay), then the third bundle's last.
    /// </summary>
    private static readonly (long Courier, long Order, int Minute)[] Crossing =
    [
        (1, 1, 10), (2, 1, 11), (3, 11, 5), (2, 6, 12), (1, 2, 20), (3, 12, 6), (2, 7, 13), (1, 3, 21), (3, 13, 7),
        (2, 8, 30), (1, 4, 22), (3, 14, 8), (2, 9, 25), (1, 5, 23), (3, 15, 9), (2, 6, 14), (2, 10, 40),
    ];

    [Fact]
    public async Task ABatchAnswersAndStoresWhatTheSameCompletesOneAfterAnotherWould()
    {
        var together = await OneByOneThenTogetherAsync(Mixed);
        Assert.Equal(
            ["delivered", "delivered", "delivered", "delivered", "delivered", "already", "error order_id: no order has this id",
             "error courier_id: no courier has this id", "error order_id: is assigned to another courier", "error order_id: is not assigned to a courier",
             "delivered"],
            together[..11].Select(a => a.Split(" (", 2)[0]).ToArray());
        Assert.StartsWith("error complete_time: is earlier than", together[11], StringComparison.Ordinal);
        Assert.Equal(Mixed.Length, Queue.Seen.Last); // one batch (courier 999's complete then ran alone)
    }

    [Fact]
    public async Task CompletesOfSeveralCouriersInOneStatementAnswerAndStoreWhatTheyWouldOneAfterAnother()
    {
        var together = await OneByOneThenTogetherAsync(Crossing);
        Assert.Equal("error order_id: is assigned to another courier", together[1]);
        Assert.Equal(Crossing.Length - 2, together.Count(a => a.StartsWith("delivered", StringComparison.Ordinal)));
        Assert.Equal(Crossing.Length, Queue.Seen.Last); // one batch
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles WHERE finished_at IS NULL AND courier_id IN (1, 2, 3)"));
        Assert.Equal(3L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles WHERE courier_id IN (1, 2, 3) AND earnings > 0"));
    }

    /// <summary>
    /// Runs <paramref name="completes"/> one after another, then again (on the same data) as one batch; asserts that
    /// the answers and everything stored are the same, and returns the batch's answers.
    /// </summary>
    private async Task<string[]> OneByOneThenTogetherAsync((long Courier, long Order, int Minute)[] completes)
    {
        await SeedAsync();
        var oneByOne = new List<string>();
        for (var i = 0; i < InFlight; i++)
        {
            await Deliveries.CompleteAloneAsync(Blocker, 100 + i, At(5), null, CancellationToken.None); // as the held completes below
        }

        foreach (var (courier, order, minute) in completes)
        {
            oneByOne.Add(await Answer(() => Deliveries.CompleteAloneAsync(courier, order, At(minute), null, CancellationToken.None)));
        }

        var books = await BooksAsync();

        await Api.ResetAsync();
        await SeedAsync();
        var before = Queue.Seen;
        var failedBefore = Queue.FailedBatches;
        string[] together;
        await using (var hold = await HoldAsync(Blocker))
        {
            var blocked = await FillEverySlotAsync();
            var asked = completes.Select(c => Answer(() => Queue.CompleteAsync(c.Courier, c.Order, At(c.Minute), CancellationToken.None))).ToArray();
            Assert.Equal(completes.Length, Queue.Waiting);
            await hold.ReleaseAsync();
            await Task.WhenAll(blocked);
            together = await Task.WhenAll(asked);
        }

        Assert.Equal(0, Queue.FailedBatches - failedBefore); // the batch's own transaction did it, not the completes alone after it
        Assert.Equal(oneByOne, together);
        Assert.Equal(books, await BooksAsync());
        Assert.Equal(completes.Length, Queue.Seen.Completes - before.Completes - InFlight);
        var seen = Queue.Seen; // what the metrics sweetsstore.write.transactions and .requests serve
        Assert.Equal((seen.Batches, seen.Completes), (Deliveries.Batches.CompleteTransactions, Deliveries.Batches.Completes));
        Assert.True(seen.Completes > seen.Batches);
        return together;
    }

    [Fact]
    public async Task ACompleteWithNothingInFlightRunsAloneAtOnce()
    {
        await Couriers(Fake.Courier(1).Build());
        await Orders(Fake.Order(1).Build());
        await AssignAsync(1);
        var before = Queue.Seen;

        (await CompleteAsync(1, 1, At(5))).Expect(HttpStatusCode.OK);

        var seen = Queue.Seen;
        Assert.Equal((1L, 1L, 1), (seen.Batches - before.Batches, seen.Completes - before.Completes, seen.Last));
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles WHERE finished_at IS NOT NULL"));
    }

    [Fact]
    public async Task ACourierHeldByAnotherTransactionDoesNotHoldUpTheBatch()
    {
        await SeedAsync();
        Task<string> one, three;
        await using (var busy = await HoldAsync(3)) // an assign or PATCH of courier 3, say, still running
        {
            await using (var hold = await HoldAsync(Blocker))
            {
                var blocked = await FillEverySlotAsync();
                three = Answer(() => Queue.CompleteAsync(3, 11, At(5), CancellationToken.None));
                one = Answer(() => Queue.CompleteAsync(1, 1, At(5), CancellationToken.None));
                await hold.ReleaseAsync();
                await Task.WhenAll(blocked);
            }

            Assert.Equal("delivered", await one);
            Assert.Equal(2, Queue.Seen.Last);
            await Task.Delay(200);
            Assert.False(three.IsCompleted); // waits alone for courier 3
            Assert.True(await Api.ScalarAsync<bool>("SELECT complete_time IS NULL FROM orders WHERE order_id = 11"));
        }

        Assert.Equal("delivered", await three);
        Assert.Equal(At(5).ToDateTimeUtc(), await Api.ScalarAsync<DateTime>("SELECT complete_time FROM orders WHERE order_id = 11"));
    }

    [Fact]
    public async Task AWaitingCompleteThatIsCancelledLeavesTheQueueAndCompletesNothing()
    {
        await SeedAsync();
        using var cancel = new CancellationTokenSource();
        await using (var hold = await HoldAsync(Blocker))
        {
            var blocked = await FillEverySlotAsync();
            var waiting = Queue.CompleteAsync(1, 1, At(5), cancel.Token);
            Assert.Equal(1, Queue.Waiting);

            await cancel.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            Assert.Equal(0, Queue.Waiting);
            await hold.ReleaseAsync();
            await Task.WhenAll(blocked);
        }

        Assert.True(await Api.ScalarAsync<bool>("SELECT complete_time IS NULL FROM orders WHERE order_id = 1"));
    }

    [Fact]
    public async Task ABatchThatFailsCompletesEachAlone()
    {
        await SeedAsync();
        await Api.ScalarAsync<int>(
            """
            CREATE FUNCTION one_delivery_per_transaction() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE n int := coalesce(nullif(current_setting('test.deliveries', true), ''), '0')::int + 1;
            BEGIN
                PERFORM set_config('test.deliveries', n::text, true);
                IF n > 1 THEN RAISE EXCEPTION 'one delivery per transaction, please'; END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER one_delivery_per_transaction AFTER UPDATE OF complete_time ON orders
                FOR EACH ROW WHEN (OLD.complete_time IS NULL AND NEW.complete_time IS NOT NULL) EXECUTE FUNCTION one_delivery_per_transaction();
            SELECT 1;
            """);
        var failedBefore = Queue.FailedBatches;
        try
        {
            Task<string>[] asked;
            await using (var hold = await HoldAsync(Blocker))
            {
                var blocked = await FillEverySlotAsync();
                asked = [.. new[] { (1L, 1L), (2L, 6L), (3L, 11L) }.Select(c => Answer(() => Queue.CompleteAsync(c.Item1, c.Item2, At(5), CancellationToken.None)))];
                await hold.ReleaseAsync();
                await Task.WhenAll(blocked);
            }

            Assert.Equal(["delivered", "delivered", "delivered"], await Task.WhenAll(asked));
            Assert.Equal(3, Queue.Seen.Last); // one batch of three failed: each was then completed alone
            Assert.Equal(1, Queue.FailedBatches - failedBefore);
            Assert.Equal(3L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE order_id < 100 AND complete_time IS NOT NULL"));
        }
        finally
        {
            await Api.ScalarAsync<int>("DROP TRIGGER one_delivery_per_transaction ON orders; DROP FUNCTION one_delivery_per_transaction(); SELECT 1;");
        }
    }

    [Fact]
    public async Task ACompleteWithAnIdempotencyKeyRunsAlone()
    {
        await SeedAsync();
        var before = Queue.Seen;

        var first = await KeyedCompleteAsync("complete-1");
        var again = await KeyedCompleteAsync("complete-1");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, again.StatusCode));
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(before, Queue.Seen);
        Assert.Equal(At(5).ToDateTimeUtc(), await Api.ScalarAsync<DateTime>("SELECT complete_time FROM orders WHERE order_id = 1"));
    }

    private async Task<HttpResponseMessage> KeyedCompleteAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/orders/complete")
        {
            Content = new StringContent(Serialize(new { courier_id = 1, order_id = 1, complete_time = "2026-01-10T09:05:00Z" }), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        return await Client.SendAsync(request);
    }

    /// <summary>Slots of the complete queue in flight at once (the process's setting).</summary>
    private int InFlight => Api.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Api.Infrastructure.DatabaseOptions>>().Value.CompleteBatchesInFlight;

    /// <summary>
    /// Starts one complete of <see cref="Blocker"/> per slot (each waits for the held courier row) and returns them once
    /// every slot is taken and nothing waits yet.
    /// </summary>
    private async Task<Task<bool>[]> FillEverySlotAsync()
    {
        var blocked = Enumerable.Range(0, InFlight).Select(i => Queue.CompleteAsync(Blocker, 100 + i, At(5), CancellationToken.None)).ToArray();
        Assert.Equal(0, Queue.Waiting);
        await WaitForAsync(async () => await Api.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") >= InFlight);
        return blocked;
    }

    /// <summary>
    /// Couriers 1–3 (foot, region 1) with a bundle each: 1 has orders 1–5, 2 has 6–10, 3 has 11–15 (2 kg each);
    /// order 16 stays pending; the blocker (region 9) has orders 100–102, one for each slot a test fills.
    /// </summary>
    private async Task SeedAsync()
    {
        await Couriers(Fake.Courier(1).Build(), Fake.Courier(2).Build(), Fake.Courier(3).Build(), Fake.Courier(Blocker).InRegions(9).Build());
        await Orders([.. Enumerable.Range(1, 16).Select(i => Fake.Order(i).Weighing(2).Build()), .. Enumerable.Range(100, 3).Select(i => Fake.Order(i).InRegion(9).Weighing(1).Build())]);
        foreach (var courier in new[] { 1L, 2L, 3L, Blocker })
        {
            await AssignAsync(courier);
        }

        Assert.Equal(18L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE bundle_id IS NOT NULL"));
    }

    /// <summary>Everything a complete writes: the orders' deliveries, the rating sums, the bundles' finish and pay, the couriers' earnings.</summary>
    private Task<string> BooksAsync() => Api.ScalarAsync<string>(
        """
        SELECT concat_ws(' | ',
            (SELECT string_agg(concat_ws(',', o.order_id, b.courier_id, o.complete_time, o.delivery_micros), ';' ORDER BY o.order_id)
             FROM orders o LEFT JOIN bundles b ON b.bundle_id = o.bundle_id),
            (SELECT string_agg(concat_ws(',', courier_id, region, total_micros, deliveries), ';' ORDER BY courier_id, region) FROM courier_region_stats),
            (SELECT string_agg(concat_ws(',', courier_id, finished_at, earnings), ';' ORDER BY courier_id, bundle_id) FROM bundles),
            (SELECT string_agg(concat_ws(',', courier_id, earnings), ';' ORDER BY courier_id) FROM couriers))
        """);

    private static async Task<string> Answer(Func<Task<bool>> complete)
    {
        try
        {
            return await complete() ? "delivered" : "already";
        }
        catch (DomainException e)
        {
            return $"error {e.Field}: {e.Message}";
        }
    }
}

/// <summary>Database:CompleteBatchesInFlight = 1: one transaction of completes at a time.</summary>
public class OneCompleteInFlightFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [.. base.Settings, new("Database:CompleteBatchesInFlight", "1")];
}

/// <summary>The tests above with one transaction of completes in flight at a time.</summary>
public class OneCompleteInFlightTests(OneCompleteInFlightFactory api) : CoalescedCompleteTests(api), IClassFixture<OneCompleteInFlightFactory>;
