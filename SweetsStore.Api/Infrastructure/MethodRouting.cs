using System.Collections.Frozen;
using Microsoft.AspNetCore.Routing.Patterns;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// A known path with a method it does not serve answers 405 with <c>Allow</c> in the <c>{title, status, detail,
/// trace_id}</c> shape; <c>GET /</c> goes to the dashboard.
/// </summary>
/// <remarks>
/// Routing alone gets one case wrong: <c>GET /orders/assign</c> matches <c>GET /orders/{order_id}</c> (ids are read as
/// text so that a bad one is a 400 naming the field), and answered 400 about <c>order_id</c>. A path that is a route of
/// its own, all literal (<c>/orders/assign</c>, <c>/imports/orders</c>), is never an id: a method it does not serve
/// is a 405 listing the methods it does. Every other wrong method is routing's own 405, given the same shape here.
/// </remarks>
public sealed class MethodRouting(RequestDelegate next, EndpointDataSource endpoints)
{
    // Display name of the endpoint routing picks when a path matches and its method does not (HttpMethodMatcherPolicy).
    private const string RoutingRejection = "405 HTTP Method Not Supported";

    private FrozenDictionary<string, string[]>? _literalPaths;

    public Task InvokeAsync(HttpContext context)
    {
        var literalPaths = _literalPaths ??= LiteralPaths(endpoints);
        var method = context.Request.Method;
        var path = context.Request.Path.Value ?? "/";
        if (path.Length > 1 && path[^1] == '/')
        {
            path = path.TrimEnd('/');
        }

        if (literalPaths.TryGetValue(path, out var allowed))
        {
            if (!allowed.Contains(method, StringComparer.OrdinalIgnoreCase))
            {
                return RefuseAsync(context, allowed);
            }
        }
        else if (context.GetEndpoint() is { DisplayName: RoutingRejection } rejection)
        {
            return RoutingRejectionAsync(context, rejection);
        }

        return next(context);
    }

    /// <summary>Redirects <c>GET /</c> to the operator dashboard (302; other methods on <c>/</c> are 405).</summary>
    public static IEndpointConventionBuilder MapRootRedirect(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/", () => Results.Redirect("/dashboard")).ExcludeFromDescription();

    private static async Task RoutingRejectionAsync(HttpContext context, Endpoint rejection)
    {
        await rejection.RequestDelegate!(context); // sets 405 and routing's Allow
        await RefuseAsync(context, context.Response.Headers.Allow.ToString().Split(", ", StringSplitOptions.RemoveEmptyEntries));
    }

    private static Task RefuseAsync(HttpContext context, string[] allowed)
    {
        var allow = string.Join(", ", allowed.Order(StringComparer.Ordinal));
        context.Response.Headers.Allow = allow;
        return Errors.ErrorWriter.ProblemAsync(context, StatusCodes.Status405MethodNotAllowed, "Method Not Allowed",
            $"{context.Request.Method} is not served at {context.Request.Path}; it answers {allow}");
    }

    /// <summary>Each route whose path has no parameters, and the methods it serves there.</summary>
    private static FrozenDictionary<string, string[]> LiteralPaths(EndpointDataSource source)
    {
        var paths = new Dictionary<string, SortedSet<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var endpoint in source.Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern;
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            if (pattern.Parameters.Count > 0 || methods is not { Count: > 0 })
            {
                continue;
            }

            var path = "/" + string.Join('/', pattern.PathSegments.Select(s => string.Concat(s.Parts.OfType<RoutePatternLiteralPart>().Select(p => p.Content))));
            if (!paths.TryGetValue(path, out var set))
            {
                paths[path] = set = new SortedSet<string>(StringComparer.Ordinal);
            }

            set.UnionWith(methods);
        }

        return paths.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
    }
}
