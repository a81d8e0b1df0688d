using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// Documents the JSON body of an action that reads its body by hand (strict per-element validation), so
/// the OpenAPI document still shows the request schema.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class JsonBodyAttribute(Type schema) : Attribute
{
    public Type Schema { get; } = schema;

    /// <summary>Also takes NDJSON (<c>application/x-ndjson</c>): one of these per line.</summary>
    public Type? NdJsonItem { get; init; }
}

internal sealed class JsonBodyOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var attribute = context.MethodInfo.GetCustomAttributes(typeof(JsonBodyAttribute), false).OfType<JsonBodyAttribute>().FirstOrDefault();
        if (attribute is null)
        {
            return;
        }

        var schema = context.SchemaGenerator.GenerateSchema(attribute.Schema, context.SchemaRepository);
        var content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } };
        if (attribute.NdJsonItem is { } item)
        {
            content["application/x-ndjson"] = new() { Schema = context.SchemaGenerator.GenerateSchema(item, context.SchemaRepository) };
        }

        operation.RequestBody = new OpenApiRequestBody { Required = true, Content = content };
    }
}
