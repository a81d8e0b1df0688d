using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>
/// Seeded malformed input against every endpoint (SWEETSSTORE_FUZZ_CASES per endpoint, SWEETSSTORE_FUZZ_SEED):
/// always a 4xx in the contract's shape, never a 5xx, never a stack trace, never a stored or changed row.
/// </summary>
public class HostileInputTests(ApiFactory api) : DeliveryTest(api)
{
    private readonly List<string> _failures = [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Couriers(Fake.Courier(1).OfType("foot").InRegions(1).Working("09:00-18:00").Build());
        await Orders(Fake.Order(1).Build(), Fake.Order(2).Build(), Fake.Order(3).InRegion(5).Build());
        await AssignAsync(1);
    }

    [Fact]
    public async Task BodiesOfEveryEndpoint()
    {
        var hostile = new Hostile(Hostile.Seed);
        var before = await SnapshotAsync();
        for (var i = 0; i < Hostile.Cases; i++)
        {
            await ExpectRefusedAsync(HttpMethod.Post, "/couriers", hostile.Import(Hostile.Courier, 100 + (i * 10)), list: "couriers");
            await ExpectRefusedAsync(HttpMethod.Post, "/orders", hostile.Import(Hostile.Order, 100 + (i * 10)), list: "orders");
            await ExpectRefusedAsync(HttpMethod.Patch, "/couriers/1", hostile.Body(Hostile.Patch));
            await ExpectRefusedAsync(HttpMethod.Post, "/orders/assign", hostile.Body(Hostile.Assign));
            await ExpectRefusedAsync(HttpMethod.Post, "/orders/complete", hostile.Body(Hostile.Complete));
        }

        Assert.True(_failures.Count == 0, $"{_failures.Count} hostile cases were not refused properly (seed {Hostile.Seed}):\n" + string.Join("\n", _failures.Take(15)));
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task PathIdsAndQueries()
    {
        var hostile = new Hostile(Hostile.Seed + 1);
        var before = await SnapshotAsync();
        for (var i = 0; i < Hostile.Cases; i++)
        {
            var id = hostile.PathId();
            await ExpectRefusedAsync(HttpMethod.Get, $"/couriers/{id}", null);
            await ExpectRefusedAsync(HttpMethod.Patch, $"/couriers/{id}", new HostileBody("{}"u8.ToArray(), "application/json", "valid patch, bad id"));
            await ExpectRefusedAsync(HttpMethod.Get, $"/orders/{id}", null);
            await ExpectRefusedAsync(HttpMethod.Get, $"/imports/{id}", null);
        }

        string[] queries =
        [
            "/couriers?offset=-1", "/couriers?limit=0", "/couriers?limit=1001", "/couriers?limit=abc", "/couriers?offset=1.5", "/couriers?offset=99999999999",
            "/orders?status=done", "/orders?status=PENDING", "/orders?limit=-5", "/imports?limit=5000",
            "/couriers/1?from=2026-01-10T00:00:00Z", "/couriers/1?to=2026-01-10T00:00:00Z", "/couriers/1?from=x&to=y",
            "/couriers/1?from=2026-01-11T00:00:00Z&to=2026-01-10T00:00:00Z", "/couriers/1?from=2026-01-10T00:00:00&to=2026-01-11T00:00:00Z",
        ];
        foreach (var query in queries)
        {
            await ExpectRefusedAsync(HttpMethod.Get, query, null);
        }

        Assert.True(_failures.Count == 0, $"{_failures.Count} hostile cases were not refused properly (seed {Hostile.Seed + 1}):\n" + string.Join("\n", _failures.Take(15)));
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task BulkImportUploads()
    {
        using var keyed = Api.WithWebHostBuilder(b => b.UseSetting("Security:ApiKey", JobsFactory.ApiKey));
        using var client = keyed.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", JobsFactory.ApiKey);
        var hostile = new Hostile(Hostile.Seed + 2);
        for (var i = 0; i < Hostile.Cases / 3; i++)
        {
            // Elements are checked by the job, so a bad element may be accepted (202) here; the envelope is checked now.
            await ExpectRefusedAsync(HttpMethod.Post, "/imports/orders", hostile.Import(Hostile.Order, 1000), client, accepted: true, list: "orders");
            await ExpectRefusedAsync(HttpMethod.Post, "/imports/couriers?format=ndjson", hostile.Body(Hostile.Courier), client, accepted: true, list: "couriers");
        }

        Assert.True(_failures.Count == 0, $"{_failures.Count} hostile uploads were not handled properly:\n" + string.Join("\n", _failures.Take(15)));
    }

    /// <param name="list">For the imports: the list the original schema requires in every 400 (<c>couriers</c>, <c>orders</c>).</param>
    private async Task ExpectRefusedAsync(HttpMethod method, string path, HostileBody? body, HttpClient? client = null, bool accepted = false, string? list = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body.Bytes);
            if (body.ContentType.Length > 0)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(body.ContentType);
            }
        }

        using var response = await (client ?? Client).SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        var problem = status switch
        {
            202 when accepted => null,
            < 400 or >= 500 => $"status {status}",
            _ when response.Content.Headers.ContentType?.MediaType != "application/json" => "not JSON",
            _ when text.Contains("   at ", StringComparison.Ordinal) || text.Contains("Exception", StringComparison.Ordinal) || text.Contains("Npgsql", StringComparison.Ordinal) => "leaks internals",
            400 when !IsEnvelope(text, list) => list is null ? "400 without the validation_error envelope" : $"400 without the envelope and its \"{list}\" list",
            _ => null,
        };
        if (problem is not null)
        {
            _failures.Add($"{method} {path} [{body}] → {problem}: {text[..Math.Min(text.Length, 300)]}");
        }
    }

    private static bool IsEnvelope(string text, string? list)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject o && o.Count == 1 && o["validation_error"] is JsonObject error
                && (list is null || error[list] is JsonArray);
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private Task<string> SnapshotAsync() => Api.ScalarAsync<string>(
        """
        SELECT concat_ws(' | ',
          (SELECT string_agg(concat_ws(',', courier_id, courier_type, regions::text, working_hours::text, earnings), ';' ORDER BY courier_id) FROM couriers),
          (SELECT string_agg(concat_ws(',', order_id, weight_cg, region, bundle_id, complete_time), ';' ORDER BY order_id) FROM orders),
          (SELECT string_agg(concat_ws(',', bundle_id, courier_id, finished_at, earnings), ';' ORDER BY bundle_id) FROM bundles),
          (SELECT count(*) FROM courier_region_stats))
        """);
}
