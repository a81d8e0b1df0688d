using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using SweetsStore.Api.Contracts;

namespace SweetsStore.Api.Idempotency;

/// <summary>
/// The OpenAPI document's part of contract 10: the <c>Idempotency-Key</c> header, its 409 and 422, and the
/// <c>Idempotent-Replayed</c> header on every POST marked <see cref="IdempotentAttribute"/>; an example answer of the
/// assignment preview.
/// </summary>
public sealed class IdempotencyOperationFilter : IOperationFilter
{
    private const string PreviewExample =
        """
        {"courier_id": 1, "courier_type": "bike", "capacity": 15, "open_bundle": null,
         "would_assign": [{"order_id": 7, "weight": 2.5, "region": 1}, {"order_id": 9, "weight": 12, "region": 2}],
         "total_weight": 14.5,
         "left_out": {"other_region": 120, "hours_do_not_overlap": 31, "heavier_than_capacity": 4, "fits_but_not_chosen": 17}}
        """;

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.ApiDescription.RelativePath == "couriers/{courier_id}/assignment"
            && operation.Responses?.TryGetValue("200", out var preview) == true
            && preview.Content?.TryGetValue("application/json", out var media) == true)
        {
            media.Example = JsonNode.Parse(PreviewExample);
        }

        if (context.MethodInfo.GetCustomAttributes(typeof(IdempotentAttribute), false).Length == 0)
        {
            return;
        }

        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = IdempotencyMiddleware.Header,
            In = ParameterLocation.Header,
            Required = false,
            Description = "Optional. 1–255 visible ASCII characters (a UUID is a good choice), new for each new request. The " +
                "answer is stored with the effect, in one transaction; the same key with the same body again within the " +
                "retention (24 h by default) answers the stored status and body, byte for byte, with Idempotent-Replayed: true, " +
                "and does nothing again. Keys are one space for the whole service, across endpoints. Stored: 2xx, 400 and " +
                "404; an answer of 5xx, 429, 413 or 401 is not, and the client may retry with the same key.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = IdempotencyMiddleware.MaxKeyLength, Pattern = "^[!-~]{1,255}$" },
            Example = JsonValue.Create("4f9d1c2e-8a7b-4c3d-9e10-2b6a5f0c7d81"),
        });

        operation.Responses ??= [];
        foreach (var (status, response) in operation.Responses)
        {
            if (status.StartsWith('2') && response is OpenApiResponse concrete)
            {
                concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                concrete.Headers[StoredAnswer.ReplayedHeader] = new OpenApiHeader
                {
                    Description = "\"true\" when this is the stored answer to an earlier request with the same Idempotency-Key.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("true")] },
                };
            }
        }

        var error = context.SchemaGenerator.GenerateSchema(typeof(ErrorResponse), context.SchemaRepository);
        operation.Responses.TryAdd("409", new OpenApiResponse
        {
            Description = "A request with the same Idempotency-Key is still running (on any instance); retry after Retry-After seconds.",
            Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader { Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" } },
            },
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = error } },
        });
        operation.Responses.TryAdd("422", new OpenApiResponse
        {
            Description = "This Idempotency-Key was used with another body, method or path; nothing was done.",
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = error } },
        });
    }
}
