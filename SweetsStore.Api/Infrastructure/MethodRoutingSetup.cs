using System.Collections.Frozen;
using Microsoft.AspNetCore.Routing.Patterns;

namespace SweetsStore.Api.Infrastructure;

/// <summary>Registration of <see cref="MethodRouting"/>.</summary>
public static class MethodRoutingSetup
{
    /// <summary>After <c>UseRouting</c>: 405s with <c>Allow</c> in the API's error shape.</summary>
    public static IApplicationBuilder UseMethodRouting(this IApplicationBuilder app) => app.UseMiddleware<MethodRouting>();

    /// <summary><c>GET /</c> → <c>/dashboard</c>.</summary>
    public static IEndpointConventionBuilder MapRootRedirect(this IEndpointRouteBuilder endpoints) => MethodRouting.MapRootRedirect(endpoints);
}
