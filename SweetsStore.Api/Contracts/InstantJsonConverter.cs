using System.Text.Json;
using System.Text.Json.Serialization;
using NodaTime;

namespace SweetsStore.Api.Contracts;

/// <summary>
/// NodaTime instants as RFC 3339 strings in UTC (<c>2026-01-10T09:32:14.42Z</c>). Stands in for
/// NodaTime.Serialization.SystemTextJson, which is not obtainable here; without it an Instant writes as <c>{}</c>.
/// </summary>
public sealed class InstantJsonConverter : JsonConverter<Instant>
{
    public override Instant Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && Rfc3339.TryParse(reader.GetString()!, out var instant)
            ? instant
            : throw new JsonException(Messages.Timestamp);

    public override void Write(Utf8JsonWriter writer, Instant value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Rfc3339.Format(value));
}
