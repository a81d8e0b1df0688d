using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SweetsStore.Api.Infrastructure;

/// <summary>The build's version (from the assembly's informational version, set by the build).</summary>
public static class Versioning
{
    public static string Version { get; } =
        typeof(Versioning).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "0.0.0";
}
