namespace SweetsStore.Data;

/// <summary>Whether a connection string can make the API's data sources, checked at start without connecting.</summary>
public static class ConnectionStringCheck
{
    /// <summary>Null when it can; else Npgsql's reason (a negative pool size, an unknown key, a port of 0).</summary>
    public static string? Problem(string connectionString)
    {
        try
        {
            using var source = Database.CreateDataSource(connectionString);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
        }
    }
}
