using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using SweetsStore.Api.Contracts;

namespace SweetsStore.Api.Infrastructure.OpenApi;

/// <summary>
/// The error answers every operation can give besides the ones it declares: a <c>default</c> response in the
/// <c>{title, status, detail, trace_id}</c> shape; plain descriptions where an action declared only a status code;
/// and the API key of the operator endpoints (those that can answer 401).
/// </summary>
public sealed class ErrorResponsesOperationFilter : IOperationFilter
{
    public const string ApiKeyScheme = "ApiKey";

    private static readonly Dictionary<string, string> Descriptions = new()
    {
        ["400"] = "Invalid input; nothing was changed. Every problem is listed, by field.",
        ["401"] = "Refused: only a client on the service's own machine (when loopback trust is on), or one that sends " +
            "the configured X-Api-Key, may use this endpoint.",
        ["404"] = "No such resource.",
        ["413"] = "The body is larger than this endpoint accepts (configurable; nothing was read or stored).",
    };

    // Swashbuckle's descriptions for a response declared with a status code only.
    private static readonly HashSet<string> Generic = ["Bad Request", "Unauthorized", "Not Found", "Content Too Large", "Payload Too Large"];

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        operation.Responses ??= [];
        foreach (var (status, response) in operation.Responses)
        {
            if (response is OpenApiResponse concrete && Descriptions.TryGetValue(status, out var description)
                && (concrete.Description is null || Generic.Contains(concrete.Description)))
            {
                concrete.Description = description;
            }
        }

        var error = context.SchemaGenerator.GenerateSchema(typeof(ErrorResponse), context.SchemaRepository);

        // Every body has a limit (Limits__DefaultBodyBytes when the endpoint names none): assign, complete and PATCH
        // answered 413 without saying so (found by a probe, 2026-12-05).
        if (context.ApiDescription.HttpMethod is "POST" or "PATCH" or "PUT")
        {
            operation.Responses.TryAdd("413", new OpenApiResponse
            {
                Description = Descriptions["413"],
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = error } },
            });
        }

        operation.Responses.TryAdd("default", new OpenApiResponse
        {
            Description = "Any other error, in this shape: 405 for a known path with another method (with an Allow header), " +
                "408 when the body stops arriving, 429 when rate limits are on, 503 while the database is unavailable or when " +
                "too many requests competed for the same orders (with Retry-After), 500 for a fault of the service (quote " +
                "trace_id).",
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = error } },
        });

        if (operation.Responses.ContainsKey("401"))
        {
            // Either requirement satisfies the operation: the key, or none (a local client while loopback trust is on).
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] },
                new OpenApiSecurityRequirement(),
            ];
        }
    }
}
