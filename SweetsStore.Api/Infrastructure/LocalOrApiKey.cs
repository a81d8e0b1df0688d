using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Options;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// Who may use the operator endpoints (configuration section <c>Security</c>), read and checked once at start by
/// <see cref="Load"/>: a nonsense value stops the process with one line naming the setting.
/// </summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>The least length of <see cref="ApiKey"/>: a short key can be guessed.</summary>
    public const int MinKeyLength = 16;

    /// <summary>
    /// The key a client sends in <c>X-Api-Key</c> to use the operator endpoints. Unset: only direct loopback
    /// requests may, and only while <see cref="TrustLoopback"/> is on. Set it from the environment
    /// (<c>Security__ApiKey</c>), never in a committed file.
    /// </summary>
    public string? ApiKey { get; init; }

    /// <summary>
    /// Whether a request straight from loopback (no proxy headers) needs no key. Off unless set: on a server
    /// behind a proxy on the same machine every client would be loopback. <c>./run.sh</c> turns it on for its
    /// private set-up.
    /// </summary>
    public bool TrustLoopback { get; init; }

    /// <summary>
    /// Addresses (<c>10.0.0.5</c>) and networks (<c>10.0.0.0/8</c>) of the reverse proxies in front of the API. A
    /// request from one of them is taken to come from the client its <c>X-Forwarded-For</c> names.
    /// </summary>
    public IReadOnlyList<IPAddress> KnownProxies { get; init; } = [];

    /// <summary>See <see cref="KnownProxies"/>.</summary>
    public IReadOnlyList<IPNetwork> KnownNetworks { get; init; } = [];

    /// <summary>
    /// Reads the section, or says in one line what is wrong with which setting. Accepted: <c>ApiKey</c> empty or
    /// at least <see cref="MinKeyLength"/> visible ASCII characters; <c>TrustLoopback</c> <c>true</c> or
    /// <c>false</c>; <c>KnownProxies</c> addresses or CIDR networks separated by commas or spaces (or as a list).
    /// </summary>
    public static SecurityOptions Load(IConfiguration section, out string? error)
    {
        error = null;
        var key = section["ApiKey"];
        if (string.IsNullOrEmpty(key))
        {
            key = null;
        }
        else if (key.Length < MinKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            // The key itself is never echoed.
            error = $"Security__ApiKey: must be at least {MinKeyLength} visible ASCII characters without spaces "
                + $"(it has {key.Length} characters); generate one with: openssl rand -hex 32";
            return new SecurityOptions();
        }
        else if (key.StartsWith("CHANGE-ME", StringComparison.OrdinalIgnoreCase))
        {
            error = "Security__ApiKey: still the template's placeholder; generate a key with: openssl rand -hex 32";
            return new SecurityOptions();
        }

        var trust = false;
        var trustText = section["TrustLoopback"];
        if (!string.IsNullOrWhiteSpace(trustText) && !bool.TryParse(trustText.Trim(), out trust))
        {
            error = $"Security__TrustLoopback: must be true or false, not \"{trustText}\"";
            return new SecurityOptions();
        }

        var proxies = new List<IPAddress>();
        var networks = new List<IPNetwork>();
        var list = section.GetSection("KnownProxies");
        var entries = (!string.IsNullOrWhiteSpace(list.Value) ? [list.Value] : list.GetChildren().Select(c => c.Value ?? ""))
            .SelectMany(v => v.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        foreach (var entry in entries)
        {
            if (!entry.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(entry, out var address))
            {
                proxies.Add(address);
            }
            else if (IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else
            {
                error = $"Security__KnownProxies: \"{entry}\" is neither an IP address nor a CIDR network (like 10.0.0.0/8)";
                return new SecurityOptions();
            }
        }

        return new SecurityOptions { ApiKey = key, TrustLoopback = trust, KnownProxies = proxies, KnownNetworks = networks };
    }
}

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
    /// <summary>Headers that say a proxy handled the request; any one of them rules out loopback trust.</summary>
    public static readonly string[] ProxyHeaders =
        ["Forwarded", "X-Forwarded-For", "X-Original-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP", "Via"];

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
            Verdict.WrongKey => "the X-Api-Key header does not match this server's key (Security__ApiKey)",
            _ when options.ApiKey is null => "this endpoint needs an API key and this server has none: set Security__ApiKey on the server, "
                + "then send that key in the X-Api-Key header",
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

/// <summary>
/// Lets a request through only when <see cref="OperatorAccess.IsAllowed"/> says so; others get 401.
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
