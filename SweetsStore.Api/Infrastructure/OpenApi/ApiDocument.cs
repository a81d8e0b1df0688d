using System.Reflection;
using Microsoft.OpenApi;
using NodaTime;

namespace SweetsStore.Api.Infrastructure.OpenApi;

/// <summary>
/// The OpenAPI document (<c>/swagger/v1/swagger.json</c>), Swagger UI (<c>/swagger</c>) and the API reference it
/// links to (<c>/swagger/api.md</c>, the repository's <c>docs/api.md</c> built into the assembly).
/// </summary>
public static class ApiDocument
{
    public const string DocumentPath = "/swagger/v1/swagger.json";
    public const string ReferencePath = "/swagger/api.md";

    private const string ReferenceResource = "SweetsStore.Api.docs.api.md";

    public static IServiceCollection AddApiDocument(this IServiceCollection services)
    {
        services.AddSingleton<ContractFields>();
        services.AddSingleton<RequestExamples>();
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo { Title = "SweetsStore", Version = Versioning.Version });
            var xml = Path.Combine(AppContext.BaseDirectory, $"{typeof(ApiDocument).Assembly.GetName().Name}.xml");
            if (File.Exists(xml))
            {
                o.IncludeXmlComments(xml);
            }

            o.MapType<Instant>(() => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" });
            o.MapType<Instant?>(() => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" });

            // After the XML comments: a description written on a property wins over the vocabulary's.
            o.SchemaFilter<ContractSchemaFilter>();
            o.ParameterFilter<ContractParameterFilter>();
            o.OperationFilter<JsonBodyOperationFilter>();
            o.OperationFilter<ErrorResponsesOperationFilter>();
            o.DocumentFilter<OverviewDocumentFilter>();
        });
        return services;
    }

    /// <summary>
    /// Serves the document, Swagger UI and the reference, only for paths under <c>/swagger</c>: their middleware would
    /// otherwise look at every request's path (the Swagger UI's with a regular expression), a few per cent of a GET's CPU.
    /// </summary>
    public static IApplicationBuilder UseApiDocument(this IApplicationBuilder app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/swagger"), swagger => swagger
            .Use(ServeReference)
            .UseSwagger()
            .UseSwaggerUI(o =>
            {
                o.RoutePrefix = "swagger";
                o.DocumentTitle = "SweetsStore API";
                o.SwaggerEndpoint(DocumentPath, "SweetsStore v1");
            }));

    private static async Task ServeReference(HttpContext context, RequestDelegate next)
    {
        var read = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        if (!read || context.Request.Path != ReferencePath)
        {
            await next(context);
            return;
        }

        await using var reference = Assembly.GetExecutingAssembly().GetManifestResourceStream(ReferenceResource);
        if (reference is null)
        {
            await next(context);
            return;
        }

        // Plain text: browsers show it (text/markdown is often downloaded instead), and Markdown reads well as it is.
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = reference.Length;
        if (HttpMethods.IsGet(context.Request.Method))
        {
            await reference.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }
}
