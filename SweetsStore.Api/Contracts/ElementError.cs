namespace SweetsStore.Api.Contracts;

/// <summary>
/// One bad element of an import: by its id when it has a usable one, else by its position in <c>data</c>; in an NDJSON
/// body also by its <see cref="Line"/> (1-based, blank lines counted).
/// </summary>
public sealed record ElementError(long? Id, int Index, FieldErrors Errors)
{
    public long? Line { get; init; }
}
