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
    /// <exception cref="BadHttpRequestException">The body's framing is broken (see <see cref="Unreadable"/>), too large, or too slow.</exception>
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
        catch (IOException e) when (IsUnreadable(e, request.HttpContext.RequestAborted))
        {
            throw Unreadable(e);
        }
    }

    /// <summary>
    /// Kestrel reports most broken request framing as a <see cref="BadHttpRequestException"/> (a 400), but a
    /// chunk size that overflows (<c>Transfer-Encoding: chunked</c> with <c>1ffffffffffffffff</c>) as a plain
    /// <see cref="IOException"/> ("Bad chunk size data."). Either way the client sent a body that cannot be
    /// read: a 400, not a 500. Every reader of a request body turns such an IOException into this, unless the
    /// client has gone away (then the request is aborted and nobody waits for an answer).
    /// </summary>
    public static BadHttpRequestException Unreadable(IOException e) =>
        new("the request body could not be read", StatusCodes.Status400BadRequest, e);

    /// <summary>
    /// An IOException from reading the body that is neither Kestrel's own verdict (a
    /// <see cref="BadHttpRequestException"/>, itself an IOException: 413, 408, 400 keep their status) nor the
    /// client going away.
    /// </summary>
    public static bool IsUnreadable(IOException e, CancellationToken requestAborted) =>
        e is not BadHttpRequestException && !requestAborted.IsCancellationRequested;
}
