using System.Buffers;
using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using SweetsStore.Api.Contracts;

namespace SweetsStore.Api.Errors;

/// <summary>Writes the two error shapes: the contract's <c>validation_error</c> envelope, and everything else.</summary>
public static class ErrorWriter
{
    /// <summary>Messages stay readable (<c>≥</c>, quotes); the body is JSON, never HTML, so this is safe.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Carries the trace id on every answer. Set here too because the exception handler clears the headers of a
    /// failed request, and an error is when a client most needs the id.
    /// </summary>
    public const string TraceIdHeader = "X-Trace-Id";

    public static string TraceId(HttpContext context) => Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;

    /// <summary><c>{"validation_error": {...}}</c> and nothing else at the top level, as the contract says.</summary>
    public static async Task ValidationAsync(HttpContext context, ContractValidationException error)
    {
        var response = context.Response;
        response.StatusCode = error.StatusCode;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers[TraceIdHeader] = TraceId(context); // again: the exception handler clears the headers
        var body = new ArrayBufferWriter<byte>(512);
        await using (var writer = new Utf8JsonWriter(body, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("validation_error");
            error.WriteTo(writer);
            writer.WriteEndObject();
        }

        Infrastructure.RequestLogging.NoteValidationError(context, body.WrittenSpan); // the log line names the first error
        await response.BodyWriter.WriteAsync(body.WrittenMemory, context.RequestAborted);
    }

    /// <summary><c>{"title", "status", "detail", "trace_id"}</c>: ProblemDetails' fields, served as application/json.</summary>
    public static async Task ProblemAsync(HttpContext context, int status, string title, string detail)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers[TraceIdHeader] = TraceId(context); // again: the exception handler clears the headers
        await using var writer = new Utf8JsonWriter(response.BodyWriter, WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("title", title);
        writer.WriteNumber("status", status);
        writer.WriteString("detail", detail);
        writer.WriteString("trace_id", TraceId(context));
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
