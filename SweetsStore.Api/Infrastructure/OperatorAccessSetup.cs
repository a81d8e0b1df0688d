using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace SweetsStore.Api.Infrastructure;

/// <summary>Registers <see cref="SecurityOptions"/> and the proxies it names (<see cref="OperatorAccess"/> reads both).</summary>
public static class OperatorAccessSetup
{
    /// <summary>
    /// Registers the <c>Security</c> section, read and checked at start like every other (<see cref="Settings"/>): its
    /// own reader (<see cref="SecurityOptions.Load"/>) parses the proxies' addresses and says in one line what is wrong.
    /// Says at start when nobody can use the operator endpoints.
    /// </summary>
    public static WebApplicationBuilder AddOperatorAccess(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IOptionsFactory<SecurityOptions>>(sp => new SecurityOptionsFactory(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddOptions<SecurityOptions>().ValidateOnStart();
        builder.Services.AddHostedService(sp => new StartupNote(sp.GetRequiredService<ILogger<SecurityOptions>>(), sp.GetRequiredService<IOptions<SecurityOptions>>().Value));
        return builder;
    }

    /// <summary>
    /// With <c>Security:KnownProxies</c> set: a request from one of those proxies gets the client its
    /// <c>X-Forwarded-For</c> names as its remote address (ASP.NET Core's forwarded-headers middleware; only the
    /// configured proxies, none of its defaults, and through any number of them). Without it, nothing is rewritten.
    /// </summary>
    public static IApplicationBuilder UseForwardedClients(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<SecurityOptions>>().Value;
        if (options.KnownProxies.Count == 0 && options.KnownNetworks.Count == 0)
        {
            return app;
        }

        var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor, ForwardLimit = null };
        forwarded.KnownProxies.Clear(); // its defaults trust loopback: the proxy on this machine would be trusted unasked
        forwarded.KnownIPNetworks.Clear();
        foreach (var proxy in options.KnownProxies)
        {
            forwarded.KnownProxies.Add(proxy);
        }

        foreach (var network in options.KnownNetworks)
        {
            forwarded.KnownIPNetworks.Add(network);
        }

        return app.UseForwardedHeaders(forwarded);
    }

    private sealed class SecurityOptionsFactory(IConfiguration configuration) : IOptionsFactory<SecurityOptions>
    {
        public SecurityOptions Create(string name)
        {
            var options = SecurityOptions.Load(configuration.GetSection(SecurityOptions.Section), out var error);
            return error is null ? options : throw new OptionsValidationException(name, typeof(SecurityOptions), [error]);
        }
    }

    private sealed class StartupNote(ILogger logger, SecurityOptions options) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (options.ApiKey is null && !options.TrustLoopback)
            {
                logger.LogWarning("No Security__ApiKey is set and loopback is not trusted: POST /imports/* and the other operator "
                    + "endpoints refuse every request (set Security__ApiKey; clients send it as X-Api-Key)");
            }
            else if (options.TrustLoopback)
            {
                logger.LogInformation("Operator endpoints trust requests straight from loopback (Security__TrustLoopback); "
                    + "requests through a proxy need X-Api-Key");
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
