using Microsoft.AspNetCore.Mvc;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Data.Idempotency;

namespace SweetsStore.Api.Idempotency;

/// <summary>Registration of <c>Idempotency-Key</c> (contract 10.1, docs/decisions/0014).</summary>
public static class IdempotencyExtensions
{
    public static IHostApplicationBuilder AddIdempotency(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<IdempotencyOptions>(IdempotencyOptions.Section);
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<IdempotencyPurge>();

        // Contract 10.2 came with 10.1 (issue 19): the assignment preview.
        services.AddSingleton<SweetsStore.Data.AssignmentPreviews>();
        services.Configure<MvcOptions>(o => o.Filters.Add<StoredAnswerFilter>());
        services.ConfigureSwaggerGen(o => o.OperationFilter<IdempotencyOperationFilter>());
        return builder;
    }

    /// <summary>Goes last before the endpoints: after routing (it reads the endpoint), the body limits, rate limits and timeouts.</summary>
    public static IApplicationBuilder UseIdempotency(this IApplicationBuilder app) => app.UseMiddleware<IdempotencyMiddleware>();
}
