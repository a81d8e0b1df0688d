using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SweetsStore.Api.Infrastructure;

/// <summary>Health answers as JSON: <c>{"status": "Healthy", "version": "…", "checks": {"database": "…"}}</c>.</summary>
internal static class HealthJson
{
    public static async Task Write(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter, Errors.ErrorWriter.WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("status", report.Status.ToString());
        writer.WriteString("version", Versioning.Version);
        writer.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            writer.WriteString(name, entry.Description ?? entry.Status.ToString());
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
