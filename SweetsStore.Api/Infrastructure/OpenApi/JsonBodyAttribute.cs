namespace SweetsStore.Api.Infrastructure.OpenApi;

/// <summary>
/// Documents the JSON body of an action that reads its body by hand (strict per-element validation), so the
/// OpenAPI document still shows the request schema, with the example of <see cref="RequestExamples"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class JsonBodyAttribute(Type schema) : Attribute
{
    public Type Schema { get; } = schema;

    /// <summary>Also takes NDJSON (<c>application/x-ndjson</c>): one of these per line.</summary>
    public Type? NdJsonItem { get; init; }
}
