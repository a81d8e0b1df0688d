namespace SweetsStore.Data;

/// <summary>Work lost too many races for the same rows in a row; the client should retry (503).</summary>
public sealed class ContentionException(string message) : Exception(message);
