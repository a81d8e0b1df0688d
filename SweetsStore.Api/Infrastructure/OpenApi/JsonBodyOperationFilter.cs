using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SweetsStore.Api.Infrastructure.OpenApi;

/// <summary>The request body of an action marked <see cref="JsonBodyAttribute"/>: its schema and its example.</summary>
public sealed class JsonBodyOperationFilter(RequestExamples examples) : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var attribute = context.MethodInfo?.GetCustomAttributes(typeof(JsonBodyAttribute), false).OfType<JsonBodyAttribute>().FirstOrDefault();
        if (attribute is null)
        {
            return;
        }

        var key = RequestExamples.Key(context.ApiDescription.HttpMethod, context.ApiDescription.RelativePath);
        var content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/json"] = new()
            {
                Schema = context.SchemaGenerator.GenerateSchema(attribute.Schema, context.SchemaRepository),
                Example = examples.Json(key),
            },
        };
        if (attribute.NdJsonItem is { } item)
        {
            content["application/x-ndjson"] = new()
            {
                Schema = context.SchemaGenerator.GenerateSchema(item, context.SchemaRepository),
                Example = examples.NdJson(key),
            };
        }

        operation.RequestBody = new OpenApiRequestBody { Required = true, Content = content };
    }
}
