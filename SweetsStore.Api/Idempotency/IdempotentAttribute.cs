namespace SweetsStore.Api.Idempotency;

/// <summary>
/// Marks a POST that honours <c>Idempotency-Key</c> (contract 10.1). <paramref name="list"/> names the list an import's
/// body-level 400 carries (<c>orders</c>, <c>couriers</c>; docs/decisions/0010), so a malformed key answers in the same
/// shape; null for the endpoints without one.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class IdempotentAttribute(string? list = null) : Attribute
{
    public string? List { get; } = list;
}
