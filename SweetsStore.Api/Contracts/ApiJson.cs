using System.Text.Json;

namespace SweetsStore.Api.Contracts;

/// <summary>The JSON of every API answer: snake_case names, the contract types' generated serializers, instants as RFC 3339 UTC.</summary>
public static class ApiJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        options.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        options.Converters.Add(new InstantJsonConverter());
    }
}
