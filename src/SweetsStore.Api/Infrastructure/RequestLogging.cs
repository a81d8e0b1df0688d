using System.Diagnostics;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// One structured log line per request (method, path, status, milliseconds, trace id) and the trace id in an
/// <c>X-Trace-Id</c> header, so a client can quote it; error bodies carry the same id.
/// </summary>
public sealed class RequestLogging(RequestDelegate next, ILogger<RequestLogging> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var traceId = Errors.ErrorWriter.TraceId(context);
        context.Response.Headers["X-Trace-Id"] = traceId;
        if (!logger.IsEnabled(LogLevel.Information))
        {
            await next(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            logger.LogInformation(
                "{Method} {Path} {Status} {ElapsedMs:0.0} ms {TraceId}",
                context.Request.Method,
                context.Request.Path.Value,
                context.Response.StatusCode,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                traceId);
        }
    }
}
