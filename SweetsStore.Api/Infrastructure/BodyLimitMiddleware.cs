using Microsoft.AspNetCore.Http.Features;

namespace SweetsStore.Api.Infrastructure;

/// <summary>Sets Kestrel's per-request body limit from the endpoint's <see cref="BodyLimitAttribute"/>.</summary>
public sealed class BodyLimitMiddleware(RequestDelegate next, Microsoft.Extensions.Options.IOptions<Contracts.InputLimits> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            var name = context.GetEndpoint()?.Metadata.GetMetadata<BodyLimitAttribute>()?.Name;
            feature.MaxRequestBodySize = options.Value.BodyBytesFor(name);
        }

        return next(context);
    }
}
