using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SweetsStore.Data;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>
/// Coalesced assigns (docs/decisions/0016, step 3): concurrent assigns of one process share a transaction
/// (<see cref="AssignQueue"/>, <see cref="AssignBatch"/>). A test holds one courier's row locked so that the queue's
/// batch in flight waits, and the assigns queued meanwhile become the next batch, in the order they were asked.
/// Every test runs with the default settings (here: two batches in flight since 2026-12-03, docs/decisions/0016), with
/// one batch at a time (<see cref="OneBatchInFlightTests"/>) and with two set explicitly (<see cref="TwoBatchesInFlightTests"/>,
/// which also holds what only two can do), so neither mode loses its tests when the default moves.
/// </summary>
public class CoalescedAssignTests(ApiFactory api) : LockingDeliveryTest(api)
{
    protected const long Blocker = 1000;

    protected DeliveryService Deliveries => Api.Services.GetRequiredService<DeliveryService>();

    private protected AssignQueue Queue => Deliveries.Queue ?? throw new InvalidOperationException("coalescing is off");

    [Fact]
    public async Task ABatchAnswersWhatTheSameAssignsOneAfterAnotherWould()
    {
        // Twelve couriers over three shared regions and a pool too small for all of them; courier 12 holds an open
        // bundle (a repeat), 999 does not exist.
        long[] order = [7, 3, 12, 1, 999, 10, 2, 8, 5, 11, 4, 9, 6];

        var (oneByOne, together, before, failedBefore) = await AloneAndTogetherAsync(order, SeedAsync);

        Assert.Equal(oneByOne, together);
        Assert.Contains("no courier has this id", together[4]);
        Assert.Contains("repeat", together[2]);
        Assert.Contains(together, a => a.StartsWith("empty", StringComparison.Ordinal)); // more couriers than orders
        var seen = Queue.Seen;
        Assert.Equal((2L, 1L + order.Length, order.Length), (seen.Batches - before.Batches, seen.Assigns - before.Assigns, seen.Last));
        Assert.Equal(0, Queue.FailedBatches - failedBefore); // the batch's own transaction answered, not each courier alone after it
        await AssertEveryAnswerIsStoredAsync(order.Zip(together).Where(x => x.Second.StartsWith("new", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ABatchWhoseReadsMustReadOnAnswersWhatTheSameAssignsOneAfterAnotherWould()
    {
        // Six couriers sharing four regions of 500 orders of a few distinct weights: their first reads stop inside runs
        // of equal weights, so most read on (in the round trips after the first), and each later courier chooses
        // without what the earlier ones chose.
        long[] order = [5, 2, 6, 1, 4, 3];
        async Task SeedDeepAsync()
        {
            string[] types = ["foot", "bike", "car"];
            await Couriers(Enumerable.Range(1, 6)
                .Select(i => Fake.Courier(i).OfType(types[i % 3]).InRegions(1 + (i % 4), 1 + ((i + 1) % 4), 1 + ((i + 2) % 4)).Working("00:00-23:59").Build())
                .Append(Fake.Courier(Blocker).InRegions(9).Build()).ToArray());
            var random = new Random(7);
            decimal[] weights = [0.05m, 0.05m, 0.1m, 0.1m, 0.1m, 0.15m, 0.2m, 0.5m, 1.5m, 7m];
            await Orders(Enumerable.Range(1, 500).Select(i => Fake.Order(i).Weighing(weights[random.Next(weights.Length)]).InRegion(1 + random.Next(4)).Build()).ToArray());
        }

        var (oneByOne, together, _, failedBefore) = await AloneAndTogetherAsync(order, SeedDeepAsync);

        Assert.Equal(oneByOne, together);
        Assert.All(together, a => Assert.StartsWith("new ", a));
        Assert.Contains(together, a => a.Split(',').Length > SweetsStore.Domain.AssignmentEngine.FirstReadPerRegion(SweetsStore.Domain.CourierTypes.Capacity(SweetsStore.Domain.CourierType.Car)) * 3);
        Assert.Equal(0, Queue.FailedBatches - failedBefore);
        await AssertEveryAnswerIsStoredAsync(order.Zip(together));
    }

    [Fact]
    public async Task ABatchTakesAtMostSixteenCouriersAndTheRestMakeTheNext()
    {
        // Twenty assigns queued at once: the default Database:AssignBatchMax (16) takes sixteen; the next batch the rest.
        await Couriers(Enumerable.Range(1, 20).Select(i => Fake.Courier(i).Build()).Append(Fake.Courier(Blocker).InRegions(9).Build()).ToArray());
        await Orders(Enumerable.Range(1, 40).Select(i => Fake.Order(i).Weighing(2).Build()).ToArray());
        var before = Queue.Seen;

        var answers = await TogetherAsync(Enumerable.Range(1, 20).Select(i => (long)i).ToArray());

        var seen = Queue.Seen;
        Assert.Equal((3L, 21L, 16), (seen.Batches - before.Batches, seen.Assigns - before.Assigns, seen.Largest));
        Assert.Equal(4, seen.Last);
        Assert.Equal(8, answers.Count(a => a.StartsWith("new ", StringComparison.Ordinal))); // 40 orders of 2 kg, 5 to a foot courier
        Assert.Equal(40L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE bundle_id IS NOT NULL"));
    }

    [Fact]
    public async Task ABatchOfOneIsAnAssignAlone()
    {
        await Couriers(Fake.Courier(1).OfType("bike").Build());
        await Orders(Enumerable.Range(1, 10).Select(i => Fake.Order(i).Weighing(4).Build()).ToArray());
        var before = Queue.Seen;

        var (ids, assignTime) = await AssignAsync(1);

        Assert.Equal([1L, 2L, 3L], ids);
        Assert.NotNull(assignTime);
        var seen = Queue.Seen;
        Assert.Equal((1L, 1L), (seen.Batches - before.Batches, seen.Assigns - before.Assigns));
        Assert.Equal(3L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE bundle_id IS NOT NULL"));
    }

    [Fact]
    public async Task ACourierThatLostOrdersToAnotherClaimIsSettledAloneAndTriesAgain()
    {
        // Foot couriers carry 10 kg: five orders of 2 kg each. A chooses 1-5, B (after A, in the same batch) 6-10.
        await Couriers(Fake.Courier(1).Build(), Fake.Courier(2).Build(), Fake.Courier(3).Build(), Fake.Courier(Blocker).InRegions(9).Build());
        await Orders(Enumerable.Range(1, 12).Select(i => Fake.Order(i).Weighing(2).Build()).ToArray());

        Task<AssignOutcome> a, b;
        await using (var thief = await OpenAsync())
        {
            (a, b) = await BatchOfTwoWaitingForAnotherClaimAsync(thief, claimer: 3);
            await ExecuteAsync(thief, "COMMIT");
        }

        var (answerA, answerB) = (await a, await b);
        Assert.Equal([6L, 7L, 8L, 9L, 10L], answerB.OrderIds);
        Assert.Equal(1, answerB.Attempts);
        Assert.Equal([2L, 3L, 4L, 5L, 11L], answerA.OrderIds);
        Assert.Equal(2, answerA.Attempts);
        Assert.Equal(AssignKind.New, answerA.Kind);
        Assert.Equal(3L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles")); // 3's, B's and A's second: A's first was undone
        await AssertEveryAnswerIsStoredAsync([(1L, "new " + string.Join(',', answerA.OrderIds)), (2L, "new " + string.Join(',', answerB.OrderIds))]);
    }

    [Fact]
    public async Task ACourierHeldByAnotherTransactionDoesNotHoldUpTheBatch()
    {
        await Couriers(Fake.Courier(1).Build(), Fake.Courier(2).Build(), Fake.Courier(3).Build(), Fake.Courier(Blocker).InRegions(9).Build());
        await Orders(Enumerable.Range(1, 30).Select(i => Fake.Order(i).Weighing(2).Build()).ToArray());

        Task<AssignOutcome> one, two, three;
        await using (var busy = await HoldAsync(3)) // a complete or PATCH of courier 3, say, still running
        {
            await using (var hold = await HoldAsync(Blocker))
            {
                var first = Queue.AssignAsync(Blocker, CancellationToken.None);
                three = Queue.AssignAsync(3, CancellationToken.None);
                one = Queue.AssignAsync(1, CancellationToken.None);
                two = Queue.AssignAsync(2, CancellationToken.None);
                await hold.ReleaseAsync();
                await first;
            }

            // 1 and 2 are answered while 3 is still held; 3, first in the batch, chose nothing there.
            Assert.Equal([1L, 2L, 3L, 4L, 5L], (await one).OrderIds);
            Assert.Equal([6L, 7L, 8L, 9L, 10L], (await two).OrderIds);
            Assert.False(three.IsCompleted);
            Assert.Equal(3, Queue.Seen.Last);
        }

        Assert.Equal([11L, 12L, 13L, 14L, 15L], (await three).OrderIds);
        Assert.Equal(1, (await three).Attempts);
    }

    [Fact]
    public async Task AWaitingAssignThatIsCancelledLeavesTheQueueAndAssignsNothing()
    {
        await Couriers(Fake.Courier(1).Build(), Fake.Courier(Blocker).InRegions(2).Build());
        await Orders(Fake.Order(1).Build());
        using var cancel = new CancellationTokenSource();
        await using (var hold = await HoldAsync(Blocker))
        {
            var first = Queue.AssignAsync(Blocker, CancellationToken.None);
            var waiting = Queue.AssignAsync(1, cancel.Token);
            Assert.Equal(1, Queue.Waiting);

            await cancel.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            Assert.Equal(0, Queue.Waiting);
            await hold.ReleaseAsync();
            await first;
        }

        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles WHERE courier_id = 1"));
    }

    [Fact]
    public async Task ABatchThatFailsAssignsEachOfItsCouriersAlone()
    {
        await Couriers(Enumerable.Range(1, 6).Select(i => Fake.Courier(i).OfType("bike").Build()).Append(Fake.Courier(Blocker).InRegions(2).Build()).ToArray());
        await Orders(Enumerable.Range(1, 40).Select(i => Fake.Order(i).Weighing(3).Build()).ToArray());
        await Api.ScalarAsync<int>(
            """
            CREATE FUNCTION one_bundle_per_statement() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF (SELECT count(*) FROM created) > 1 THEN RAISE EXCEPTION 'one bundle per statement, please'; END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER one_bundle_per_statement AFTER INSERT ON bundles REFERENCING NEW TABLE AS created
                FOR EACH STATEMENT EXECUTE FUNCTION one_bundle_per_statement();
            SELECT 1;
            """);
        try
        {
            var failedBefore = Queue.FailedBatches;
            Task<string>[] asked;
            await using (var hold = await HoldAsync(Blocker))
            {
                var first = Queue.AssignAsync(Blocker, CancellationToken.None);
                asked = Enumerable.Range(1, 6).Select(c => Answer(() => Queue.AssignAsync(c, CancellationToken.None))).ToArray();
                await hold.ReleaseAsync();
                await first;
            }

            var answers = await Task.WhenAll(asked);

            Assert.All(answers, a => Assert.StartsWith("new ", a));
            Assert.Equal(6, Queue.Seen.Last); // one batch of six failed: each was then assigned alone
            Assert.Equal(1, Queue.FailedBatches - failedBefore);
            await AssertEveryAnswerIsStoredAsync(Enumerable.Range(1, 6).Select(c => ((long)c, answers[c - 1])));
        }
        finally
        {
            await Api.ScalarAsync<int>("DROP TRIGGER one_bundle_per_statement ON bundles; DROP FUNCTION one_bundle_per_statement(); SELECT 1;");
        }
    }

    [Fact]
    public async Task TwoProcessesStormingTheSameRegionsNeverShareAnOrderAndEveryAnswerIsStored()
    {
        // Two hosts with their own queues and connection pools stand for two API processes on one database.
        using var second = Api.WithWebHostBuilder(_ => { });
        var hosts = new WebApplicationFactory<Program>[] { Api, second };
        var queues = hosts.Select(h => h.Services.GetRequiredService<DeliveryService>().Queue!).ToArray();
        var clients = hosts.Select(h => h.CreateClient()).ToArray();
        var before = queues.Select(q => q.Seen).ToArray();
        const int count = 120;
        await Couriers(Enumerable.Range(1, count)
            .Select(i => Fake.Courier(i).OfType(new[] { "foot", "bike", "car" }[i % 3]).InRegions(1 + (i % 3), 1 + ((i + 1) % 3)).Build())
            .Append(Fake.Courier(Blocker).InRegions(9).Build()).ToArray());
        await Orders(Fake.Orders(900, regions: 3).Select(o => { o["delivery_hours"] = new[] { "00:00-12:00", "12:00-00:00" }; return o; }).ToArray());

        (long Courier, Reply Reply)[] replies;
        await using (var hold = await HoldAsync(Blocker))
        {
            // Each host's batch in flight waits for the blocker, so the storm queues up behind it in both.
            var firsts = clients.Select(c => c.PostAsync("/orders/assign", Json(new { courier_id = Blocker }))).ToArray();
            await WaitForAsync(() => Task.FromResult(queues.Select((q, k) => q.Seen.Batches > before[k].Batches).All(x => x)));
            var storm = Enumerable.Range(1, count).Select(async i =>
            {
                using var response = await clients[i % 2].PostAsync("/orders/assign", Json(new { courier_id = i }));
                return ((long)i, await Reply.ReadAsync(response));
            }).ToArray();
            await WaitForAsync(() => Task.FromResult(queues.All(q => q.Waiting >= 10)));
            await hold.ReleaseAsync();
            replies = await Task.WhenAll(storm);
            foreach (var first in firsts)
            {
                (await first).Dispose();
            }
        }

        var handedOut = replies.SelectMany(r => r.Reply.Expect(HttpStatusCode.OK)["orders"]!.AsArray().Select(o => (long)o!["id"]!)).ToList();
        Assert.Equal(handedOut.Count, handedOut.Distinct().Count());
        Assert.Equal(handedOut.Count, await Api.ScalarAsync<long>("SELECT count(*) FROM orders o JOIN bundles b USING (bundle_id) WHERE b.courier_id <> $1", Blocker));
        Assert.Equal(0L, await Api.ScalarAsync<long>(
            "SELECT count(*) FROM (SELECT courier_id FROM bundles WHERE finished_at IS NULL GROUP BY courier_id HAVING count(*) > 1) twice"));
        for (var k = 0; k < queues.Length; k++)
        {
            // More assigns than batches: some batches held several couriers, in both processes.
            var (batches, assigns) = (queues[k].Seen.Batches - before[k].Batches, queues[k].Seen.Assigns - before[k].Assigns);
            Assert.True(assigns > batches, $"host {k}: {assigns} assigns in {batches} batches");
        }
        await AssertEveryAnswerIsStoredAsync(replies.Select(r =>
        {
            var ids = r.Reply.Json!["orders"]!.AsArray().Select(o => (long)o!["id"]!).Order().ToArray();
            return (r.Courier, ids.Length == 0 ? "empty" : "new " + string.Join(',', ids));
        }));
    }

    /// <summary>
    /// The answers of <paramref name="order"/>'s couriers assigned alone one after another on a seeded database, then —
    /// reset and seeded again — queued together behind a held courier, so that they make one batch in that order; with
    /// the queue's tallies just before they were queued.
    /// </summary>
    private async Task<(List<string> Alone, string[] Together, (long Batches, long Assigns, int Largest, int Last) Before, long FailedBefore)> AloneAndTogetherAsync(
        long[] order, Func<Task> seed)
    {
        await seed();
        var alone = new List<string>();
        foreach (var courier in order)
        {
            alone.Add(await Answer(() => Deliveries.AssignAloneAsync(courier, null, [], 1, CancellationToken.None)));
        }

        await Api.ResetAsync();
        await seed();
        var before = Queue.Seen;
        var failedBefore = Queue.FailedBatches;
        return (alone, await TogetherAsync(order), before, failedBefore);
    }

    /// <summary>The answers of <paramref name="order"/>'s couriers queued behind a held courier, in that order.</summary>
    private async Task<string[]> TogetherAsync(long[] order)
    {
        await using var hold = await HoldAsync(Blocker);
        var first = Queue.AssignAsync(Blocker, CancellationToken.None);
        var asked = order.Select(c => Answer(() => Queue.AssignAsync(c, CancellationToken.None))).ToArray();
        Assert.Equal(order.Length, Queue.Waiting);
        await hold.ReleaseAsync();
        await first;
        return await Task.WhenAll(asked);
    }

    private async Task SeedAsync()
    {
        string[] types = ["foot", "bike", "car"];
        await Couriers(Enumerable.Range(1, 12)
            .Select(i => Fake.Courier(i).OfType(types[i % 3]).InRegions(1 + (i % 3), 1 + ((i / 3) % 3)).Working(i % 4 == 0 ? "06:00-14:00" : "00:00-23:59").Build())
            .Append(Fake.Courier(Blocker).InRegions(9).Build()).ToArray());
        await Orders(Fake.Orders(45, regions: 3).ToArray());
        await AssignAsync(12);
    }

    /// <summary>An answer as text (kind and ids, or the error), so two runs compare whole.</summary>
    private static async Task<string> Answer(Func<Task<AssignOutcome>> assign)
    {
        try
        {
            var outcome = await assign();
            return $"{outcome.Kind.ToString().ToLowerInvariant()} {string.Join(',', outcome.OrderIds)}";
        }
        catch (SweetsStore.Domain.DomainException e)
        {
            return $"error {e.Message}";
        }
    }

    /// <summary>Each courier's open bundle holds exactly the orders it was answered (new ones only).</summary>
    private protected async Task AssertEveryAnswerIsStoredAsync(IEnumerable<(long Courier, string Answer)> answers)
    {
        foreach (var (courier, answer) in answers)
        {
            var stored = await Api.ScalarAsync<string>(
                """
                SELECT coalesce(string_agg(o.order_id::text, ',' ORDER BY o.order_id), '')
                FROM bundles b JOIN orders o ON o.bundle_id = b.bundle_id
                WHERE b.courier_id = $1 AND b.finished_at IS NULL
                """, courier);
            Assert.Equal(answer.StartsWith("new ", StringComparison.Ordinal) ? answer["new ".Length..] : "", stored);
        }
    }

    private static StringContent Json(object body) => new(Serialize(body), System.Text.Encoding.UTF8, "application/json");


    /// <summary>
    /// On <paramref name="thief"/>, another process's claim of order 1 for <paramref name="claimer"/>, left uncommitted
    /// (a batch reads order 1 as pending); then couriers 1 and 2 queued behind a held courier, so they form one batch,
    /// and that batch's claim waiting for the thief's. The thief's transaction is the caller's to end.
    /// </summary>
    private protected async Task<(Task<AssignOutcome> A, Task<AssignOutcome> B)> BatchOfTwoWaitingForAnotherClaimAsync(NpgsqlConnection thief, long claimer)
    {
        await ExecuteAsync(thief,
            $"""
            BEGIN;
            WITH b AS (INSERT INTO bundles (courier_id, courier_type, coefficient, assign_time) VALUES ({claimer}, 'foot', 2, now()) RETURNING bundle_id)
            UPDATE orders SET bundle_id = (SELECT bundle_id FROM b) WHERE order_id = 1;
            """);
        Task<AssignOutcome> a, b;
        await using (var hold = await HoldAsync(Blocker))
        {
            var first = Queue.AssignAsync(Blocker, CancellationToken.None);
            a = Queue.AssignAsync(1, CancellationToken.None);
            b = Queue.AssignAsync(2, CancellationToken.None);
            await hold.ReleaseAsync();
            await first;
        }

        await WaitForAsync(async () => await Api.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0);
        return (a, b);
    }

}

/// <summary>Database:AssignBatchesInFlight = 1: one batch after another.</summary>
public class OneInFlightFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [.. base.Settings, new("Database:AssignBatchesInFlight", "1")];
}

/// <summary>The tests above with one batch in flight at a time.</summary>
public class OneBatchInFlightTests(OneInFlightFactory api) : CoalescedAssignTests(api), IClassFixture<OneInFlightFactory>;

/// <summary>Database:AssignBatchesInFlight = 2: the next batch chooses while the previous one claims and commits.</summary>
public class TwoInFlightFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [.. base.Settings, new("Database:AssignBatchesInFlight", "2")];
}

/// <summary>The tests above with two batches in flight, and what only two can do.</summary>
public class TwoBatchesInFlightTests(TwoInFlightFactory api) : CoalescedAssignTests(api), IClassFixture<TwoInFlightFactory>
{
    [Fact]
    public async Task TheNextBatchChoosesWithoutWhatTheBatchInFlightChoseAndNeedNotWaitForIt()
    {
        // Foot couriers: five orders of 2 kg each. Batch [1, 2] chooses 1-5 and 6-10, then waits in its claim for order 1.
        await Couriers(Enumerable.Range(1, 4).Select(i => Fake.Courier(i).Build()).Append(Fake.Courier(Blocker).InRegions(9).Build()).ToArray());
        await Orders(Enumerable.Range(1, 20).Select(i => Fake.Order(i).Weighing(2).Build()).ToArray());

        Task<AssignOutcome> a, b, c;
        await using (var thief = await OpenAsync())
        {
            (a, b) = await BatchOfTwoWaitingForAnotherClaimAsync(thief, claimer: 4);

            // Courier 3 asks now: its batch runs while [1, 2] waits, without 1-10, and is answered first.
            c = Queue.AssignAsync(3, CancellationToken.None);
            Assert.Equal([11L, 12L, 13L, 14L, 15L], (await c).OrderIds);
            Assert.False(a.IsCompleted || b.IsCompleted);
            await ExecuteAsync(thief, "COMMIT");
        }

        Assert.Equal([6L, 7L, 8L, 9L, 10L], (await b).OrderIds);
        var answerA = await a;
        Assert.Equal([2L, 3L, 4L, 5L, 16L], answerA.OrderIds);
        Assert.Equal(2, answerA.Attempts);
        await AssertEveryAnswerIsStoredAsync([(1L, "new 2,3,4,5,16"), (2L, "new 6,7,8,9,10"), (3L, "new 11,12,13,14,15")]);
    }
}
