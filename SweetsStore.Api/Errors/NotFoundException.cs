namespace SweetsStore.Api.Errors;

/// <summary>The resource in the path does not exist: 404.</summary>
public sealed class NotFoundException(string detail) : Exception(detail);
