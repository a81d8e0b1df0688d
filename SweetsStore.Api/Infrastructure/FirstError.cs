namespace SweetsStore.Api.Infrastructure;

/// <summary>A 400's first error, as its body names it.</summary>
public sealed record FirstError(string Field, string Message);
