using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc.Filters;

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
/// Lets a request change things only when it comes from this machine (loopback) or carries the configured API
/// key; others get 401. Behind a reverse proxy, every request looks local unless the proxy's forwarded
/// headers are honoured: see docs/scaling.md.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class LocalOrApiKeyAttribute : Attribute, IAsyncAuthorizationFilter
{
    public async Task OnAuthorizationAsync(AuthorizationFilterContext context)
    {
        var http = context.HttpContext;
        var remote = http.Connection.RemoteIpAddress;
        if (remote is not null && IPAddress.IsLoopback(remote))
        {
            return;
        }

        var key = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<SecurityOptions>>().Value.ApiKey;
        if (!string.IsNullOrEmpty(key) && http.Request.Headers.TryGetValue("X-Api-Key", out var given)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given.ToString()), Encoding.UTF8.GetBytes(key)))
        {
            return;
        }

        http.Response.Headers.WWWAuthenticate = "ApiKey header=\"X-Api-Key\"";
        await Errors.ErrorWriter.ProblemAsync(http, StatusCodes.Status401Unauthorized, "Unauthorized",
            "only clients on this machine, or with the configured X-Api-Key, may start imports");
        context.Result = new Microsoft.AspNetCore.Mvc.EmptyResult();
    }
}
