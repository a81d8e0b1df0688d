using Microsoft.AspNetCore.Http.Features;

namespace SweetsStore.Api.Infrastructure;

/// <summary>Names the size limit an endpoint's body gets (configuration <c>Limits:BodyBytes:{Name}</c>, <see cref="Contracts.InputLimits"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BodyLimitAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
