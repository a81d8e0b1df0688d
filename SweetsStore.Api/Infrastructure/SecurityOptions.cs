using System.Net;
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
