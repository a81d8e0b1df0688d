using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SweetsStore.Tests.Infrastructure;

/// <summary>Base of HTTP tests: a clean database before each test, and JSON helpers.</summary>
public abstract class ApiTest(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private HttpClient? _client;

    protected ApiFactory Api { get; } = api;

    protected HttpClient Client => _client ??= Api.CreateClient();

    public virtual Task InitializeAsync() => Api.ResetAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected Task<Reply> PostAsync(string path, object body) => SendAsync(HttpMethod.Post, path, Serialize(body));

    protected Task<Reply> PostRawAsync(string path, string body, string contentType = "application/json") =>
        SendAsync(HttpMethod.Post, path, body, contentType);

    protected Task<Reply> PatchAsync(string path, object body) => SendAsync(HttpMethod.Patch, path, Serialize(body));

    protected Task<Reply> PatchRawAsync(string path, string body) => SendAsync(HttpMethod.Patch, path, body);

    protected async Task<Reply> GetAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        return await Reply.ReadAsync(response);
    }

    protected async Task<Reply> SendAsync(HttpMethod method, string path, string body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await Client.SendAsync(request);
        return await Reply.ReadAsync(response);
    }

    protected static string Serialize(object body) => body as string ?? JsonSerializer.Serialize(body);
}

/// <summary>A response read whole: status, content type, body text and its JSON.</summary>
public sealed record Reply(HttpStatusCode Status, string? ContentType, string Body)
{
    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);

    public static async Task<Reply> ReadAsync(HttpResponseMessage response) =>
        new(response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync());

    /// <summary>Asserts the status and returns the JSON body.</summary>
    public JsonNode Expect(HttpStatusCode status)
    {
        Assert.True(status == Status, $"expected {(int)status}, got {(int)Status}: {Body}");
        return Json!;
    }

    public override string ToString() => $"{(int)Status} {Body}";
}
