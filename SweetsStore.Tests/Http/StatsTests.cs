using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SweetsStore.Data.Imports;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary><c>GET /stats</c>: exact counts after known sequences of imports, assigns, completions and jobs.</summary>
public class StatsTests(ApiFactory api) : DeliveryTest(api)
{
    [Fact]
    public async Task AnEmptyStoreCountsZeroEverywhere()
    {
        var reply = await GetAsync("/stats");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("application/json; charset=utf-8", reply.ContentType);
        Assert.Equal(
            """
            {"couriers":0,"orders":{"pending":0,"assigned":0,"completed":0},"bundles":{"open":0,"finished":0},
            "imports":{"queued":0,"running":0,"succeeded":0,"failed":0},"jobs":{"enqueued":0,"processing":0,"succeeded":0,"failed":0}}
            """.Replace("\n", ""),
            reply.Body);
    }

    [Fact]
    public async Task CountsFollowImportsAssignsAndCompletions()
    {
        await Couriers(
            Fake.Courier(1).OfType("foot").InRegions(1).Build(),
            Fake.Courier(2).OfType("bike").InRegions(2).Build(),
            Fake.Courier(3).OfType("car").InRegions(3).Build());
        await Orders(
            Fake.Order(1).InRegion(1).Build(), Fake.Order(2).InRegion(1).Build(),
            Fake.Order(3).InRegion(2).Build(), Fake.Order(4).InRegion(2).Build(),
            Fake.Order(5).InRegion(5).Build(), Fake.Order(6).InRegion(5).Build());
        await ExpectAsync(couriers: 3, pending: 6);

        Assert.Equal(new long[] { 1, 2 }, (await AssignAsync(1)).Ids);
        Assert.Equal(new long[] { 3, 4 }, (await AssignAsync(2)).Ids);
        await ExpectAsync(couriers: 3, pending: 2, assigned: 4, open: 2);

        (await CompleteAsync(1, 1, At(10))).Expect(HttpStatusCode.OK);
        (await CompleteAsync(2, 3, At(10))).Expect(HttpStatusCode.OK);
        (await CompleteAsync(2, 4, At(20))).Expect(HttpStatusCode.OK);
        await ExpectAsync(couriers: 3, pending: 2, assigned: 1, completed: 3, open: 1, finished: 1);

        // Nothing fits courier 3 (no bundle), courier 1 gets its open bundle again, a repeated completion changes nothing.
        Assert.Empty((await AssignAsync(3)).Ids);
        Assert.Equal(new long[] { 2 }, (await AssignAsync(1)).Ids);
        (await CompleteAsync(1, 1, At(30))).Expect(HttpStatusCode.OK);
        await ExpectAsync(couriers: 3, pending: 2, assigned: 1, completed: 3, open: 1, finished: 1);
    }

    [Fact]
    public async Task AnOrderReleasedByAnEditIsPendingAgainAndItsEmptiedBundleFinished()
    {
        await Couriers(Fake.Courier(1).OfType("foot").InRegions(1).Build());
        await Orders(Fake.Order(1).InRegion(1).Build(), Fake.Order(2).InRegion(1).Build());
        await AssignAsync(1);
        (await CompleteAsync(1, 1, At(10))).Expect(HttpStatusCode.OK);
        await ExpectAsync(couriers: 1, assigned: 1, completed: 1, open: 1);

        (await PatchAsync("/couriers/1", new { regions = new[] { 7 } })).Expect(HttpStatusCode.OK);

        await ExpectAsync(couriers: 1, pending: 1, completed: 1, finished: 1);
    }

    [Fact]
    public async Task ImportsAndJobsAreCountedByStatus()
    {
        // This class's host runs no workers: the test plays the worker, so every state is reached deterministically.
        using var uploader = Api.WithWebHostBuilder(b =>
        {
            b.UseSetting("Security:ApiKey", JobsFactory.ApiKey);
            b.UseSetting("Jobs:MaxAttempts", "1");
        });
        using var client = ImportJobTests.Client(uploader);
        var succeeds = await UploadAsync(client, Fake.Order(101).Build(), Fake.Order(102).Build());
        var invalid = await UploadAsync(client, Fake.Order(201).Weighing(51).Build());
        var running = await UploadAsync(client, Fake.Order(301).Build());
        var givesUp = await UploadAsync(client, Fake.Order(401).Build());
        await UploadAsync(client, Fake.Order(501).Build());
        await ExpectAsync(queued: 5, enqueued: 5);

        // Hangfire's worker played step by step, on a host whose jobs get one attempt (no retry after a failure).
        var driver = new JobDriver(uploader);
        FetchedImport Next(long importId)
        {
            var job = driver.Fetch();
            Assert.Equal(importId, job.ImportId);
            return job;
        }

        var first = Next(succeeds);
        await driver.RunAsync(first);
        driver.Succeed(first);
        var second = Next(invalid);
        await driver.RunAsync(second);
        driver.Succeed(second);
        var third = Next(running);
        await Api.Services.GetRequiredService<ImportStore>().StartAsync(running, third.JobId, CancellationToken.None);
        var fourth = Next(givesUp);
        Assert.True(driver.Client.ChangeState(fourth.JobId, new Hangfire.States.FailedState(new InvalidOperationException("boom")), Hangfire.States.ProcessingState.StateName));

        // The invalid import failed, but its job did its work (it recorded the report): the job succeeded.
        await ExpectAsync(
            pending: 2, queued: 1, running: 1, succeeded: 1, failed: 2,
            enqueued: 1, processing: 1, jobsSucceeded: 2, jobsFailed: 1);
    }

    private static async Task<long> UploadAsync(HttpClient client, params Dictionary<string, object>[] orders)
    {
        using var reply = await client.PostAsync(
            "/imports/orders", new StringContent(JsonSerializer.Serialize(new { data = orders }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        return (long)JsonNode.Parse(await reply.Content.ReadAsStringAsync())!["import_id"]!;
    }

    private async Task ExpectAsync(
        long couriers = 0, long pending = 0, long assigned = 0, long completed = 0, long open = 0, long finished = 0,
        long queued = 0, long running = 0, long succeeded = 0, long failed = 0,
        long enqueued = 0, long processing = 0, long jobsSucceeded = 0, long jobsFailed = 0)
    {
        var expected = new JsonObject
        {
            ["couriers"] = couriers,
            ["orders"] = new JsonObject { ["pending"] = pending, ["assigned"] = assigned, ["completed"] = completed },
            ["bundles"] = new JsonObject { ["open"] = open, ["finished"] = finished },
            ["imports"] = new JsonObject { ["queued"] = queued, ["running"] = running, ["succeeded"] = succeeded, ["failed"] = failed },
            ["jobs"] = new JsonObject { ["enqueued"] = enqueued, ["processing"] = processing, ["succeeded"] = jobsSucceeded, ["failed"] = jobsFailed },
        };
        Assert.Equal(expected.ToJsonString(), (await GetAsync("/stats")).Expect(HttpStatusCode.OK).ToJsonString());
    }
}
