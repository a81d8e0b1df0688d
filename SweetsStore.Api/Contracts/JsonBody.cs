using System.Text.Json;

namespace SweetsStore.Api.Contracts;

/// <summary>Reads a request body as one JSON document, within the endpoint's size limit.</summary>
/// <remarks>
/// Content-Type is not checked: the classic service read every body as JSON whatever its header said, and
/// its clients (curl -d sends a form type) must keep working. A body that is not JSON is a 400 either way.
/// </remarks>
public static class JsonBody
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 32 };

    /// <summary>The parsed body, or null when it is empty or not well-formed JSON (invalid UTF-8, too deep, trailing garbage).</summary>
    /// <exception cref="BadHttpRequestException">The body's framing is broken (see <see cref="Infrastructure.RequestBodyGuard"/>), too large, or too slow.</exception>
    public static async Task<JsonDocument?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            return await JsonDocument.ParseAsync(request.Body, Options, ct);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
