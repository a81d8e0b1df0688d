using Microsoft.AspNetCore.Http.Features;

namespace SweetsStore.Api.Infrastructure;

/// <summary>Names the size limit an endpoint's body gets (configuration <c>Limits:BodyBytes:{Name}</c>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BodyLimitAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Body size limits in bytes; a larger body is answered 413 with a JSON error.</summary>
public sealed class BodyLimitOptions
{
    /// <summary>Limit for endpoints without a named limit.</summary>
    public long DefaultBodyBytes { get; set; } = 1L << 20;

    /// <summary>Named limits: <c>Orders</c> and <c>Couriers</c> (the synchronous imports), <c>Imports</c> (background imports).</summary>
    public Dictionary<string, long> BodyBytes { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Orders"] = 64L << 20,
        ["Couriers"] = 64L << 20,
        ["Imports"] = 1L << 30,
    };

    public long For(string? name) => name is not null && BodyBytes.TryGetValue(name, out var bytes) ? bytes : DefaultBodyBytes;
}

/// <summary>Sets Kestrel's per-request body limit from the endpoint's <see cref="BodyLimitAttribute"/>.</summary>
public sealed class BodyLimitMiddleware(RequestDelegate next, Microsoft.Extensions.Options.IOptions<BodyLimitOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            var name = context.GetEndpoint()?.Metadata.GetMetadata<BodyLimitAttribute>()?.Name;
            feature.MaxRequestBodySize = options.Value.For(name);
        }

        return next(context);
    }
}
