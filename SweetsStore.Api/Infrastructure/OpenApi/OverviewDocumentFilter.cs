using System.Globalization;
using System.Text;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using SweetsStore.Domain;

namespace SweetsStore.Api.Infrastructure.OpenApi;

/// <summary>
/// What the document says besides its operations: the overview at the top of Swagger UI (with the link to the full
/// reference), the tags, the API key scheme, and the health endpoints (mapped outside MVC, so not discovered).
/// </summary>
public sealed class OverviewDocumentFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        document.Info.Description = Overview();
        document.Tags = new HashSet<OpenApiTag>
        {
            new() { Name = "Couriers", Description = "Import, edit and read couriers, with earnings and rating." },
            new() { Name = "Orders", Description = "Import and read orders; hand a courier a bundle; mark orders delivered." },
            new() { Name = "Imports", Description = "Large imports loaded by a durable background job." },
            new() { Name = "Stats", Description = "Counts for the operator dashboard (/dashboard)." },
            new() { Name = "Health", Description = "Liveness and readiness for load balancers and supervisors." },
        };

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ErrorResponsesOperationFilter.ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Api-Key",
            Description = "The operator key (setting Security:ApiKey). A client on the service's own machine needs none while " +
                "loopback trust is on; a request that came through a proxy always does.",
        };

        var health = context.SchemaGenerator.GenerateSchema(typeof(ErrorSchemas.HealthResponse), context.SchemaRepository);
        document.Paths.Add("/health/live", HealthPath(
            health,
            "Is the process up",
            "200 while the process runs, whatever the database does; status Healthy and the build's version.",
            ready: false));
        document.Paths.Add("/health/ready", HealthPath(
            health,
            "Can the service serve requests",
            "200 when the database is reachable and every migration is applied; 503 otherwise (while it starts, migrates, or " +
            "the database is down), with the reason under checks.database.",
            ready: true));
    }

    private static OpenApiPathItem HealthPath(IOpenApiSchema schema, string summary, string description, bool ready)
    {
        var responses = new OpenApiResponses
        {
            ["200"] = new OpenApiResponse
            {
                Description = ready ? "Ready." : "Live.",
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            },
        };
        if (ready)
        {
            responses["503"] = new OpenApiResponse
            {
                Description = "Not ready: the database is unreachable or not migrated (status Unhealthy).",
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            };
        }

        return new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    Tags = new HashSet<OpenApiTagReference> { new("Health") },
                    Summary = summary,
                    Description = description,
                    OperationId = ready ? "HealthReady" : "HealthLive",
                    Responses = responses,
                },
            },
        };
    }

    /// <summary>The overview shown above the operations (Markdown), with the rules' numbers taken from the Domain.</summary>
    private static string Overview()
    {
        var text = new StringBuilder();
        text.AppendLine("A courier and order delivery backend. A shop imports its couriers and orders; a courier asks for work ")
            .AppendLine("and gets the largest bundle of orders that fits its capacity, regions and hours; deliveries are marked ")
            .AppendLine("complete; each courier's earnings and rating follow from them.")
            .AppendLine()
            .AppendLine($"**The full reference** — every endpoint and field, the rules, the error shapes: [API reference]({ApiDocument.ReferencePath}) ")
            .AppendLine("(`docs/api.md` in the source repository).")
            .AppendLine()
            .AppendLine("**Try it** on an empty database, in this order, with each operation's example as it stands: `POST /couriers`, ")
            .AppendLine("`POST /orders`, `POST /orders/assign` (courier 2 gets order 3), `POST /orders/complete` (its time is ")
            .AppendLine(CultureInfo.InvariantCulture, $"{RequestExamples.DeliveryAfter.TotalMinutes:0} minutes after this page was loaded: reload the page if it is older), `GET /couriers/2`.")
            .AppendLine()
            .AppendLine("| courier_type | carries at most | earnings coefficient C |")
            .AppendLine("|---|---|---|");
        foreach (var type in Enum.GetValues<CourierType>())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| `{type.ToContractName()}` | {type.Capacity().Kilograms} kg | {type.Coefficient()} |");
        }

        text.AppendLine()
            .AppendLine("- **Assign**: of the pending orders in the courier's regions whose delivery hours meet its working hours, the ")
            .AppendLine("  most orders that fit the capacity (a total equal to the capacity fits); of those, the heaviest total; then the ")
            .AppendLine("  oldest orders. Asking again while the bundle is open answers the same bundle and `assign_time`.")
            .AppendLine("- **Intervals** `\"HH:MM-HH:MM\"` are half-open, `[start, end)`; an end earlier than the start crosses midnight.")
            .AppendLine(CultureInfo.InvariantCulture, $"- **Earnings**: a bundle is *finished* when none of its orders is open (each delivered, or released by a PATCH); a finished bundle with at least one delivery pays {BundleRules.PayUnit} × C, C of the type at assignment.")
            .AppendLine("- **Rating** (0–5): from the fastest region's average delivery time t (seconds): (3600 − min(t, 3600)) / 3600 × 5.")
            .AppendLine("- **Times** are RFC 3339 with seconds and an offset; answers are UTC (`Z`), to the microsecond.")
            .AppendLine("- **Errors**: every 400 is `{\"validation_error\": {...}}` naming each bad field; every other error is ")
            .AppendLine("  `{\"title\", \"status\", \"detail\", \"trace_id\"}`. JSON is read whatever the Content-Type says.")
            .AppendLine("- **Operator endpoints** (`/imports/*`): with `X-Api-Key` (Authorize), or from the service's own machine while ")
            .AppendLine("  loopback trust is on.");
        return text.ToString();
    }
}
