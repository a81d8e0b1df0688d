using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SweetsStore.Api.Contracts;
using SweetsStore.Api.Errors;
using SweetsStore.Api.Imports;
using SweetsStore.Api.Infrastructure.OpenApi;

namespace SweetsStore.Api.Infrastructure;

/// <summary>The HTTP side: controllers and their JSON, errors, the request limits, and the endpoints.</summary>
public static class ApiSetup
{
    /// <summary>Controllers, JSON, the one exception handler, the OpenAPI document, the synchronous imports and the access log.</summary>
    public static WebApplicationBuilder AddApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddControllers(o =>
            {
                // Bodies are read as JSON whatever their Content-Type (as the classic service did). MVC's form value
                // providers would otherwise parse a form-typed body as a form first, consuming it or failing on it.
                o.ValueProviderFactories.RemoveType<FormValueProviderFactory>();
                o.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
                o.ValueProviderFactories.RemoveType<FormFileValueProviderFactory>();
            })
            .AddJsonOptions(o => ApiJson.Configure(o.JsonSerializerOptions))
            .ConfigureApiBehaviorOptions(o => o.SuppressModelStateInvalidFilter = true);
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddProblemDetails();
        services.AddApiDocument();
        services.AddSingleton<SyncImports>();
        services.AddSingleton<AccessLog>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessLog>());
        return builder;
    }

    /// <summary>
    /// Section <c>Limits</c> (<see cref="InputLimits"/>): body sizes, slow clients' headers, request time limits, and the
    /// optional rate limits (<see cref="RateLimitOptions"/>).
    /// </summary>
    public static WebApplicationBuilder AddInputLimits(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<InputLimits>(InputLimits.Section);
        // A request that runs longer than its limit is cancelled (its transaction rolls back) and answered 503.
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<InputLimits>>((o, limits) =>
        {
            o.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = TimeSpan.FromSeconds(limits.Value.RequestTimeoutSeconds),
                TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
            };
            o.AddPolicy("imports", TimeSpan.FromSeconds(limits.Value.ImportTimeoutSeconds));
        });
        services.AddRateLimits();
        return builder;
    }

    /// <summary>The one exception handler, and the contract's error body for every status without one (404, 405, …).</summary>
    public static WebApplication UseErrors(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(context => ErrorWriter.ProblemAsync(
            context.HttpContext,
            context.HttpContext.Response.StatusCode,
            Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(context.HttpContext.Response.StatusCode),
            $"{context.HttpContext.Request.Method} {context.HttpContext.Request.Path} cannot be served"));
        return app;
    }

    /// <summary>Body sizes per endpoint, broken framing as a 400, rate limits (when on) and time limits.</summary>
    public static WebApplication UseInputLimits(this WebApplication app)
    {
        // Kestrel's options are made with the application (before the settings are checked) and read when it starts
        // and per request: set here, once the settings are known to be sensible. Slow clients: headers must arrive in
        // time, bodies at ≥ 240 B/s after a 5 s grace (Kestrel's rate rule).
        var server = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;

        // Header values as bytes, one char each: HTTP allows bytes 0x80-0xFF there and gives them no charset. Kestrel's
        // default, UTF-8, answers a value that is not UTF-8 with its own empty 400 before the API sees the request;
        // read this way, an Idempotency-Key or X-Api-Key with such bytes meets the checks that refuse it in the
        // contract's shape, and any other header is left alone. (The API's own headers are ASCII: nothing else changes.)
        server.RequestHeaderEncodingSelector = static _ => System.Text.Encoding.Latin1;
        var kestrel = server.Limits;
        kestrel.RequestHeadersTimeout = TimeSpan.FromSeconds(app.Services.GetRequiredService<IOptions<InputLimits>>().Value.HeadersTimeoutSeconds);
        kestrel.MaxRequestBodySize = null; // per endpoint, see BodyLimitMiddleware
        app.UseMiddleware<BodyLimitMiddleware>();
        app.UseMiddleware<RequestBodyGuard>();
        app.UseRateLimits();
        app.UseRequestTimeouts();
        return app;
    }

    /// <summary>The controllers, the dashboard's page, the root redirect and the health endpoints.</summary>
    public static WebApplication MapApi(this WebApplication app)
    {
        app.MapControllers().WithDefaultRateLimit(app.Services);
        app.MapDashboard();
        app.MapRootRedirect();
        // Health checks are mapped for every method unless told: GET, and HEAD for probes that send it.
        var probe = new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]);
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthJson.Write }).WithMetadata(probe);
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            ResponseWriter = HealthJson.Write,
            ResultStatusCodes = { [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable, [HealthStatus.Degraded] = StatusCodes.Status200OK },
        }).WithMetadata(probe);
        return app;
    }
}
