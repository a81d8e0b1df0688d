using System.Diagnostics;
using System.Text.Json;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// One structured log line per request (method, path and query, status, milliseconds, trace id, and for a 400 the
/// first error's field and message; written by <see cref="AccessLog"/>) and the trace id in an <c>X-Trace-Id</c>
/// header, so a client can quote it; error bodies carry the same id.
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
            var request = context.Request;
            var status = context.Response.StatusCode;
            var error = status == StatusCodes.Status400BadRequest ? context.Features.Get<FirstError>() : null;
            log.Write(request.Method, request.Path.Value, request.QueryString.Value, status,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds, traceId, error?.Field, error?.Message);
        }
    }

    /// <summary>
    /// Keeps the first error of a <c>validation_error</c> body for the request's log line (called by the one writer of
    /// those bodies). Read from the body as sent: <c>{"validation_error": {"errors": {field: [message, …]}}}</c>, or with
    /// a list of bad elements, <c>{"validation_error": {"orders": [{"id": 7, "errors": {field: […]}}]}}</c>, whose field
    /// is then named <c>orders[id=7].field</c>.
    /// </summary>
    public static void NoteValidationError(HttpContext context, ReadOnlySpan<byte> body)
    {
        if (FirstErrorOf(body) is { } error)
        {
            context.Features.Set(error);
        }
    }

    internal static FirstError? FirstErrorOf(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            string? collection = null; // the element list's name, while inside it
            string? element = null;    // "id=7", "index=3": the current element's handle
            string? property = null;
            var errorsDepth = -1;      // depth of the current "errors" object, while inside it
            string? field = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
                        if (errorsDepth >= 0 && reader.CurrentDepth == errorsDepth + 1)
                        {
                            field = property;
                        }

                        break;
                    case JsonTokenType.StartObject when property == "errors":
                        errorsDepth = reader.CurrentDepth;
                        break;
                    case JsonTokenType.StartArray when errorsDepth < 0 && reader.CurrentDepth == 2:
                        collection = property; // {"validation_error": {"orders": [ ...
                        break;
                    case JsonTokenType.EndArray when errorsDepth < 0 && reader.CurrentDepth == 2:
                        collection = null; // the list is empty: the body as a whole is to blame ({"orders": [], "errors": {...}})
                        break;
                    case JsonTokenType.Number when errorsDepth < 0 && collection is not null && element is null:
                        element = $"{property}={reader.GetInt64()}";
                        break;
                    case JsonTokenType.String when errorsDepth >= 0 && field is not null:
                        var name = collection is null ? field : $"{collection}[{element}].{field}";
                        return new FirstError(name, reader.GetString() ?? "");
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
