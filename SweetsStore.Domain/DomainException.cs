namespace SweetsStore.Domain;

/// <summary>A rule of the domain was broken; the API maps it to a 400 in one place.</summary>
public sealed class DomainException(string field, string message) : Exception(message)
{
    /// <summary>The contract field the rule concerns (e.g. <c>complete_time</c>).</summary>
    public string Field { get; } = field;
}
