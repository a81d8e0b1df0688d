using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// Who may use the operator endpoints (<c>POST /imports/*</c>, <c>/metrics</c>, <c>/hangfire</c>): the one check every
/// one of them calls, so the rule lives once (contract section 10.5).
/// </summary>
/// <remarks>
/// A request is allowed when it carries the configured <c>X-Api-Key</c>, or when loopback trust is on and it came
/// straight from loopback: its connection is from a loopback address and it carries none of the headers a proxy
/// adds (<see cref="ProxyHeaders"/>). A request that came through a configured proxy was rewritten by ASP.NET Core's
/// forwarded-headers middleware (<see cref="OperatorAccessSetup.UseForwardedClients"/>): its remote address is the
/// client the proxy named, and the middleware left <c>X-Original-For</c>, so it is never judged local either.
/// </remarks>
public static class OperatorAccess
{
    /// <summary>
    /// Headers that say a proxy handled the request; any one of them rules out loopback trust. Besides the standard
    /// ones and nginx's, those CDNs and load balancers set instead of <c>X-Forwarded-For</c> (Cloudflare, Akamai,
    /// Fastly, Rackspace, and the older non-standard spellings): a proxy that sets only one of them is a proxy too.
    /// </summary>
    public static readonly string[] ProxyHeaders =
    [
        "Forwarded", "X-Forwarded-For", "X-Original-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP", "Via",
        "X-Forwarded", "Forwarded-For", "X-Client-IP", "True-Client-IP", "CF-Connecting-IP", "Fastly-Client-IP", "X-Cluster-Client-IP",
    ];

    /// <summary>True when the request carries the configured key, or comes straight from loopback while that is trusted.</summary>
    public static bool IsAllowed(HttpContext http) => Judge(http) == Verdict.Allowed;

    /// <summary>
    /// The 401 for a refused request, in the <c>{title, status, detail, trace_id}</c> shape, saying that a key is
    /// needed and how to send it; the refusal is logged with the client's address (as the proxy named it).
    /// </summary>
    public static Task RefuseAsync(HttpContext http)
    {
        var options = Options(http);
        var verdict = Judge(http);
        var proxyHeader = ProxyHeaders.FirstOrDefault(http.Request.Headers.ContainsKey);
        var detail = verdict switch
        {
            // First: with no key set, no key can match, and "does not match this server's key" would send one hunting.
            _ when options.ApiKey is null => "this endpoint needs an API key and this server has none: set Security__ApiKey on the server, "
                + "then send that key in the X-Api-Key header",
            Verdict.WrongKey => "the X-Api-Key header does not match this server's key (Security__ApiKey)",
            _ => "this endpoint needs an API key: send this server's key (Security__ApiKey) in the X-Api-Key header",
        };
        if (verdict == Verdict.NoKey && options.TrustLoopback && proxyHeader is not null)
        {
            detail += $"; a request that came through a proxy ({proxyHeader}) is never trusted as local";
        }

        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OperatorAccess).FullName!);
        logger.LogInformation("Refused {Method} {Path} from {Client}{Via}: {Reason}", http.Request.Method, http.Request.Path.Value,
            http.Connection.RemoteIpAddress?.ToString() ?? "an unknown address",
            http.Request.Headers.TryGetValue("X-Original-For", out var proxy) ? $" (forwarded by {proxy})"
                : proxyHeader is not null ? $" (with {proxyHeader})" : "",
            verdict == Verdict.WrongKey ? "wrong X-Api-Key" : "no X-Api-Key");
        http.Response.Headers.WWWAuthenticate = "ApiKey header=\"X-Api-Key\"";
        return Errors.ErrorWriter.ProblemAsync(http, StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }

    /// <summary>Whether the request came straight from loopback: a loopback peer, and no proxy's headers.</summary>
    public static bool IsDirectLoopback(HttpContext http)
    {
        var remote = http.Connection.RemoteIpAddress;
        if (remote is null)
        {
            return false;
        }

        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4(); // a dual-stack listener sees 127.0.0.1 as ::ffff:127.0.0.1
        }

        if (!IPAddress.IsLoopback(remote))
        {
            return false;
        }

        var headers = http.Request.Headers;
        foreach (var name in ProxyHeaders)
        {
            if (headers.ContainsKey(name))
            {
                return false;
            }
        }

        return true;
    }

    private static Verdict Judge(HttpContext http)
    {
        var options = Options(http);
        if (http.Request.Headers.TryGetValue("X-Api-Key", out var given))
        {
            if (options.ApiKey is not null && given.Count == 1
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given.ToString()), Encoding.UTF8.GetBytes(options.ApiKey)))
            {
                return Verdict.Allowed;
            }

            return Verdict.WrongKey; // a wrong key is refused even from loopback: the client meant to use it
        }

        return options.TrustLoopback && IsDirectLoopback(http) ? Verdict.Allowed : Verdict.NoKey;
    }

    private static SecurityOptions Options(HttpContext http) => http.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value;

    private enum Verdict
    {
        Allowed,
        NoKey,
        WrongKey,
    }
}
