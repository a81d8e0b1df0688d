using System.Text.Json;
using System.Text.Json.Serialization;
using NodaTime;
using NodaTime.Serialization.SystemTextJson;

namespace SweetsStore.Api.Contracts;

/// <summary>
/// NodaTime instants in JSON. Written by NodaTime.Serialization.SystemTextJson (<see cref="NodaConverters.InstantConverter"/>:
/// NodaTime's extended ISO pattern, UTC with <c>Z</c>, the fraction's trailing zeros trimmed, e.g.
/// <c>2026-01-10T09:32:14.42Z</c>); read by our strict RFC 3339 reader (<see cref="Rfc3339"/>), which accepts any offset
/// where the library's reader accepts only <c>Z</c>.
/// </summary>
public sealed class InstantJsonConverter : JsonConverter<Instant>
{
    private static readonly JsonConverter<Instant> Writer = NodaConverters.InstantConverter;

    public override Instant Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && Rfc3339.TryParse(reader.GetString()!, out var instant)
            ? instant
            : throw new JsonException(Messages.Timestamp);

    public override void Write(Utf8JsonWriter writer, Instant value, JsonSerializerOptions options) => Writer.Write(writer, value, options);
}
