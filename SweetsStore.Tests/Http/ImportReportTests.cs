using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>A failed background import's report: truncated and said so, NDJSON lines named, and only on the import's own page.</summary>
public class ImportReportTests(JobsFactory api) : IClassFixture<JobsFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = ImportJobTests.Client(api);

    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AReportOfMoreThanAThousandBadElementsSaysItIsTruncatedAndNamesTheirLines()
    {
        // Line 1 a valid order, line 2 blank, then 1,500 orders with a weight of 0 (lines 3 to 1502), then one valid order.
        var body = new StringBuilder();
        body.Append(JsonSerializer.Serialize(Fake.Order(1).Build())).Append("\n\n");
        for (var i = 0; i < 1500; i++)
        {
            body.Append(JsonSerializer.Serialize(Fake.Order(100 + i).Weighing(0m).Build())).Append('\n');
        }

        body.Append(JsonSerializer.Serialize(Fake.Order(2).Build())).Append('\n');

        var id = await ImportJobTests.UploadAsync(_client, "/imports/orders", body.ToString(), "application/x-ndjson");
        var done = await ImportJobTests.WaitAsync(_client, id);

        Assert.Equal("failed", (string?)done["status"]);
        Assert.Equal(1500, (long)done["rows_invalid"]!);
        Assert.True((bool)done["report_truncated"]!);
        var listed = done["report"]!["validation_error"]!["orders"]!.AsArray();
        Assert.Equal(1000, listed.Count);
        Assert.Equal("""{"id":100,"line":3,"errors":{"weight":["must be a number from 0.01 to 50 with at most two decimals"]}}""", listed[0]!.ToJsonString());
        Assert.Equal(Enumerable.Range(3, 1000).Select(l => (long)l), listed.Select(e => (long)e!["line"]!));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task AnNdjsonLineThatIsNotJsonIsNamedByIndexAndLine()
    {
        var body = JsonSerializer.Serialize(Fake.Order(1).Build()) + "\n{\"order_id\": 2,\n";

        var id = await ImportJobTests.UploadAsync(_client, "/imports/orders", body, "application/x-ndjson");
        var done = await ImportJobTests.WaitAsync(_client, id);

        var bad = Assert.Single(done["report"]!["validation_error"]!["orders"]!.AsArray())!;
        Assert.Equal(1, (int)bad["index"]!);
        Assert.Equal(2, (long)bad["line"]!);
        Assert.False((bool)done["report_truncated"]!);
    }

    [Fact]
    public async Task InAnNdjsonImportBlankLinesCountForLinesButNotForIndexes()
    {
        // The contract's index is an element's position among the elements; the line says where it is in the body.
        // The index counted blank lines too, so a 3-element body could report index 5 (found by an operator probe).
        var valid = JsonSerializer.Serialize(Fake.Order(1).Build());
        var noId = """{"weight": 1, "region": 1, "delivery_hours": ["09:00-18:00"]}""";
        var body = valid + "\n\n{\"order_id\": 2,\n\n\r\n" + noId + "\n";

        var id = await ImportJobTests.UploadAsync(_client, "/imports/orders", body, "application/x-ndjson");
        var done = await ImportJobTests.WaitAsync(_client, id);

        Assert.Equal(3, (long)done["rows_total"]!);
        var listed = done["report"]!["validation_error"]!["orders"]!.AsArray();
        Assert.Equal([(1, 3L), (2, 6L)], listed.Select(e => ((int)e!["index"]!, (long)e["line"]!)));
        Assert.Equal(["data[1]"], listed[0]!["errors"]!.AsObject().Select(p => p.Key));
        Assert.Contains("(line 3,", (string)listed[0]!["errors"]!["data[1]"]![0]!, StringComparison.Ordinal);
        Assert.Equal("""{"order_id":["is required"]}""", listed[1]!["errors"]!.ToJsonString());
    }

    [Fact]
    public async Task AnExistingIdAfterABadLineIsReportedAtItsLine()
    {
        (await _client.PostAsync("/orders", new StringContent(JsonSerializer.Serialize(new { data = new[] { Fake.Order(3).Build() } }), Encoding.UTF8, "application/json")))
            .EnsureSuccessStatusCode();
        // Line 2 is invalid, so the copying stops there; order 3 (line 3) is then found to exist once the body is read.
        var body = string.Join('\n', new[] { Fake.Order(1).Build(), Fake.Order(2).InRegion(0).Build(), Fake.Order(3).Build(), Fake.Order(4).Build() }
            .Select(o => JsonSerializer.Serialize(o)));

        var id = await ImportJobTests.UploadAsync(_client, "/imports/orders", body, "application/x-ndjson");
        var done = await ImportJobTests.WaitAsync(_client, id);

        Assert.Equal("failed", (string?)done["status"]);
        Assert.Equal(
            """{"validation_error":{"orders":[{"id":2,"line":2,"errors":{"region":["must be an integer from 1 to 2147483647"]}},{"id":3,"line":3,"errors":{"order_id":["already exists"]}}]}}""",
            done["report"]!.ToJsonString());
        Assert.Equal(2, (long)done["rows_invalid"]!);
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task AJsonImportsReportNamesElementsByIdWithoutLines()
    {
        var orders = new[] { Fake.Order(1).Build(), Fake.Order(2).InRegion(0).Build() };

        var id = await ImportJobTests.UploadAsync(_client, "/imports/orders", JsonSerializer.Serialize(new { data = orders }));
        var done = await ImportJobTests.WaitAsync(_client, id);

        Assert.Equal("""{"validation_error":{"orders":[{"id":2,"errors":{"region":["must be an integer from 1 to 2147483647"]}}]}}""", done["report"]!.ToJsonString());
        Assert.False((bool)done["report_truncated"]!);
        Assert.Equal(1, (long)done["rows_invalid"]!);
    }

    [Fact]
    public async Task TheListOfImportsLeavesTheReportsOut()
    {
        var failed = await ImportJobTests.UploadAsync(_client, "/imports/orders", JsonSerializer.Serialize(new { data = new[] { Fake.Order(1).Weighing(0m).Build() } }));
        var succeeded = await ImportJobTests.UploadAsync(_client, "/imports/orders", JsonSerializer.Serialize(new { data = new[] { Fake.Order(2).Build() } }));
        await ImportJobTests.WaitAsync(_client, failed);
        await ImportJobTests.WaitAsync(_client, succeeded);

        var list = JsonNode.Parse(await _client.GetStringAsync("/imports"))!["imports"]!.AsArray();
        var one = JsonNode.Parse(await _client.GetStringAsync($"/imports/{failed}"))!;

        Assert.Equal([succeeded, failed], list.Select(i => (long)i!["import_id"]!));
        Assert.All(list, i => Assert.Null(i!["report"]));
        Assert.All(list, i => Assert.Null(i!["report_truncated"]));
        var listed = list.Single(i => (long)i!["import_id"]! == failed)!;
        Assert.Equal("failed", (string?)listed["status"]);
        Assert.Equal(1, (long)listed["rows_invalid"]!);
        Assert.Equal("1 of 1 orders are invalid; nothing was stored", (string?)listed["error"]);
        Assert.NotNull(one["report"]);
        Assert.False((bool)one["report_truncated"]!);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/imports/{failed}")).StatusCode);
    }
}

/// <summary>A Hangfire server in the host, an API key, and the logs kept with their scopes.</summary>
public sealed class ImportLogFactory : ApiFactory
{
    public ScopeCapturingLoggerProvider Logs { get; } = new(Microsoft.Extensions.Logging.LogLevel.Information);

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Jobs:Enabled", "true"), new("Jobs:PollSeconds", "0.2"), new("Security:ApiKey", JobsFactory.ApiKey),
            new("Logging:LogLevel:SweetsStore.Api.Imports.ImportJob", "Information"),
        ];

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(l => l.AddProvider(Logs));
    }
}

/// <summary>What an import's job logs is logged in a scope naming the import and the job.</summary>
public class ImportJobLogTests(ImportLogFactory api) : IClassFixture<ImportLogFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TheJobLogsWithTheImportIdInItsScope()
    {
        using var client = ImportJobTests.Client(api);
        var id = await ImportJobTests.UploadAsync(client, "/imports/orders", JsonSerializer.Serialize(new { data = new[] { Fake.Order(1).Build() } }));
        Assert.Equal("succeeded", (string?)(await ImportJobTests.WaitAsync(client, id))["status"]);

        // The job logs the load once its transaction (which ends the import) has committed: a moment after GET
        // /imports/{id} can say "succeeded".
        bool Logged(ScopeCapturingLoggerProvider.Entry e) => e.Message.StartsWith($"Import {id}: 1 orders loaded", StringComparison.Ordinal);
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!api.Logs.Entries.Any(Logged))
        {
            Assert.True(DateTime.UtcNow < until, "the job did not log the load within 60 s of the import's end");
            await Task.Delay(50);
        }

        var loaded = Assert.Single(api.Logs.Entries, Logged);
        Assert.Equal(id, Convert.ToInt64(loaded["ImportId"], System.Globalization.CultureInfo.InvariantCulture));
        var jobId = await api.ScalarAsync<string>("SELECT job_id FROM imports WHERE import_id = $1", id);
        Assert.Equal(jobId, loaded["JobId"]?.ToString());
    }
}
