using System.Text.Json;

namespace SweetsStore.Api.Contracts;

/// <summary>Reads a request body as one JSON document, within the endpoint's size limit.</summary>
/// <remarks>
/// Content-Type is not checked: the classic service read every body as JSON whatever its header said, and
/// its clients (curl -d sends a form type) must keep working. A body that is not JSON is a 400 either way.
/// The body is held whole (these endpoints take at most 1 MiB; the imports stream instead) so that a refused one
/// can be described by <see cref="JsonSyntax"/>.
/// </remarks>
public static class JsonBody
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 32 };

    /// <summary>The parsed body, or null when it holds no JSON at all (empty, only whitespace or a byte order mark).</summary>
    /// <exception cref="ContractValidationException">The body is not valid JSON: <c>body</c> says why and where.</exception>
    /// <exception cref="BadHttpRequestException">The body's framing is broken (see <see cref="Infrastructure.RequestBodyGuard"/>), too large, or too slow.</exception>
    public static async Task<JsonDocument?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var body = await ReadAllAsync(request, ct);
        // A UTF-8 byte order mark (some Windows tools send one) is not JSON: skipped, as the imports skip it. The
        // reader does not skip it in a buffer (only in a stream).
        var json = body.Span.StartsWith("\uFEFF"u8) ? body[3..] : body;
        if (json.Span.IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(json, Options);
        }
        catch (JsonException)
        {
            throw ContractValidationException.Field("body", JsonSyntax.Describe(body.Span, Options.MaxDepth));
        }
    }

    private static async Task<ReadOnlyMemory<byte>> ReadAllAsync(HttpRequest request, CancellationToken ct)
    {
        // The declared length only sizes the first buffer (capped: a client may declare more than it sends).
        var buffer = new byte[(int)Math.Clamp(request.ContentLength ?? 256, 16, 64 * 1024)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = await request.Body.ReadAsync(buffer.AsMemory(length), ct);
            if (read == 0)
            {
                return buffer.AsMemory(0, length);
            }

            length += read;
        }
    }
}
