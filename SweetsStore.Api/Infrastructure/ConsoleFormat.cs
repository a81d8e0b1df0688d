using Microsoft.Extensions.Logging.Console;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// The console log's format: <c>Logging:Console:FormatterName</c> when set (<c>json</c> or <c>simple</c>), else
/// readable text (one line per entry) when standard output is a terminal, and JSON lines when it is not (a file,
/// a pipe, a process supervisor, a container's log).
/// </summary>
public static class ConsoleFormat
{
    public static void ChooseConsoleFormat(this WebApplicationBuilder builder)
    {
        const string Key = "Logging:Console:FormatterName";
        if (string.IsNullOrWhiteSpace(builder.Configuration[Key]))
        {
            builder.Configuration[Key] = Console.IsOutputRedirected ? ConsoleFormatterNames.Json : ConsoleFormatterNames.Simple;
        }

        builder.Services.Configure<SimpleConsoleFormatterOptions>(o =>
        {
            o.SingleLine = true;
            if (o.TimestampFormat is { Length: > 0 } format && !format.EndsWith(' '))
            {
                o.TimestampFormat = format + " "; // the JSON format's timestamp, here followed by the level
            }
        });
    }
}
