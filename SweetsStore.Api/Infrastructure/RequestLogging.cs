using System.Diagnostics;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// One structured log line per request (method, path, status, milliseconds, trace id; written by
/// <see cref="AccessLog"/>) and the trace id in an <c>X-Trace-Id</c> header, so a client can quote it; error bodies
/// carry the same id.
/// </summary>
public sealed class RequestLogging(RequestDelegate next, AccessLog log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var traceId = Errors.ErrorWriter.TraceId(context);
        context.Response.Headers["X-Trace-Id"] = traceId;
        if (!log.Enabled)
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
            log.Write(context.Request.Method, context.Request.Path.Value, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds, traceId);
        }
    }
}
