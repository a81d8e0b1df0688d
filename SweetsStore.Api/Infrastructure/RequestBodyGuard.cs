namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// Makes every read of a request body fail the same way when the client's framing is broken. Kestrel reports
/// most broken framing as a <see cref="BadHttpRequestException"/> (a 400), but a chunk size that overflows
/// (<c>Transfer-Encoding: chunked</c> with <c>1ffffffffffffffff</c>) as a plain <see cref="IOException"/>
/// ("Bad chunk size data."). Found by the reliability suite as a 500 on every endpoint with a body; wrapping
/// the body stream once covers every reader.
/// </summary>
public sealed class RequestBodyGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Request.Body = new GuardedBody(context.Request.Body, context.RequestAborted);
        return next(context);
    }

    private sealed class GuardedBody(Stream inner, CancellationToken aborted) : ForwardOnlyReadStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (IOException e) when (e is not BadHttpRequestException && !aborted.IsCancellationRequested)
            {
                // Kestrel's own verdicts (413, 408, 400) keep their status; a client that went away needs no answer.
                throw new BadHttpRequestException("the request body could not be read", StatusCodes.Status400BadRequest, e);
            }
        }
    }
}
