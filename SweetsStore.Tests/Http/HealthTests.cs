using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

public class HealthTests(ApiFactory api) : ApiTest(api)
{
    [Fact]
    public async Task LiveAnswersWithTheVersion()
    {
        var json = (await GetAsync("/health/live")).Expect(HttpStatusCode.OK);

        Assert.Equal("Healthy", (string?)json["status"]);
        Assert.False(string.IsNullOrEmpty((string?)json["version"]));
    }

    [Fact]
    public async Task ReadyWhenTheDatabaseAnswersAndIsMigrated()
    {
        var json = (await GetAsync("/health/ready")).Expect(HttpStatusCode.OK);

        Assert.Equal("Healthy", (string?)json["status"]);
    }

    [Fact]
    public async Task NotReadyWhileMigrationsAreMissing()
    {
        await using var connection = new Npgsql.NpgsqlConnection(Api.ConnectionString);
        await connection.OpenAsync();
        await using (var command = new Npgsql.NpgsqlCommand(
            "CREATE TABLE saved_history AS SELECT * FROM \"__EFMigrationsHistory\"; DELETE FROM \"__EFMigrationsHistory\"", connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        try
        {
            var reply = await GetAsync("/health/ready");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, reply.Status);
            Assert.Contains("migrations not applied", reply.Body);
        }
        finally
        {
            await using var restore = new Npgsql.NpgsqlCommand(
                "INSERT INTO \"__EFMigrationsHistory\" SELECT * FROM saved_history; DROP TABLE saved_history", connection);
            await restore.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task SwaggerDocumentDescribesTheContract()
    {
        var json = (await GetAsync("/swagger/v1/swagger.json")).Expect(HttpStatusCode.OK);
        var paths = json["paths"]!.AsObject();

        Assert.Contains("/couriers", paths.Select(p => p.Key));
        Assert.Contains("/orders/assign", paths.Select(p => p.Key));
        Assert.NotNull(json["paths"]!["/orders/complete"]!["post"]!["requestBody"]);
        var import = json["paths"]!["/imports/orders"]!["post"]!["requestBody"]!["content"]!.AsObject();
        Assert.Equal(["application/json", "application/x-ndjson"], import.Select(c => c.Key));
        Assert.NotNull(import["application/x-ndjson"]!["schema"]);
    }

    [Fact]
    public async Task UnknownRoutesAnswerJson()
    {
        var reply = await GetAsync("/no/such/thing");

        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
        Assert.StartsWith("application/json", reply.ContentType);
        Assert.NotNull(reply.Json!["trace_id"]);
    }
}

/// <summary>Readiness with a database nobody listens on: the process is live, not ready, and answers quickly.</summary>
public class UnreachableDatabaseTests : IDisposable
{
    private readonly WebApplicationFactory<Program> _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
    {
        b.UseSetting("ConnectionStrings:Postgres", "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none;Timeout=2");
        b.UseSetting("Database:MigrateOnStartup", "false");
        b.UseSetting("Logging:LogLevel:Default", "None");
    });

    [Fact]
    public async Task ReadyIs503AndLiveIs200()
    {
        var client = _factory.CreateClient();

        var ready = await client.GetAsync("/health/ready");
        var live = await client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("database unreachable", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task RequestsNeedingTheDatabaseAnswer503WithoutATrace()
    {
        var client = _factory.CreateClient();

        var response = await client.GetAsync("/couriers/1");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("trace_id", body);
        Assert.DoesNotContain("Npgsql", body);
        Assert.DoesNotContain("   at ", body);
    }

    public void Dispose() => _factory.Dispose();
}
