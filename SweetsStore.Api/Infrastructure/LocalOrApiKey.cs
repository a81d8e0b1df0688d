using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Options;

namespace SweetsStore.Api.Infrastructure;

/// <summary>Credentials for operator actions (configuration section <c>Security</c>).</summary>
public sealed class SecurityOptions
{
    /// <summary>
    /// Key a non-local client sends in <c>X-Api-Key</c> to start imports. Unset: only clients on this machine
    /// may. Set it from the environment (<c>Security__ApiKey</c>), never in a committed file.
    /// </summary>
    public string? ApiKey { get; set; }
}

/// <summary>
/// Who may use the operator endpoints (<c>POST /imports/*</c>, and the dashboards and metrics that come later):
/// the one check every one of them calls, so the rule lives once.
/// </summary>
public static class OperatorAccess
{
    /// <summary>True when the request comes from this machine (loopback) or carries the configured API key.</summary>
    public static bool IsAllowed(HttpContext http)
    {
        var remote = http.Connection.RemoteIpAddress;
        if (remote is not null && IPAddress.IsLoopback(remote))
        {
            return true;
        }

        var key = http.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.ApiKey;
        return !string.IsNullOrEmpty(key) && http.Request.Headers.TryGetValue("X-Api-Key", out var given)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given.ToString()), Encoding.UTF8.GetBytes(key));
    }

    /// <summary>The 401 for a refused request, in the <c>{title, status, detail, trace_id}</c> shape.</summary>
    public static Task RefuseAsync(HttpContext http)
    {
        http.Response.Headers.WWWAuthenticate = "ApiKey header=\"X-Api-Key\"";
        return Errors.ErrorWriter.ProblemAsync(http, StatusCodes.Status401Unauthorized, "Unauthorized",
            "only clients on this machine, or with the configured X-Api-Key, may start imports");
    }
}

/// <summary>
/// Lets a request through only when <see cref="OperatorAccess.IsAllowed"/> says so; others get 401. Behind a reverse
/// proxy, every request looks local unless the proxy's forwarded headers are honoured: see docs/scaling.md.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class LocalOrApiKeyAttribute : Attribute, IAsyncAuthorizationFilter
{
    public async Task OnAuthorizationAsync(AuthorizationFilterContext context)
    {
        if (OperatorAccess.IsAllowed(context.HttpContext))
        {
            return;
        }

        await OperatorAccess.RefuseAsync(context.HttpContext);
        context.Result = new Microsoft.AspNetCore.Mvc.EmptyResult();
    }
}
