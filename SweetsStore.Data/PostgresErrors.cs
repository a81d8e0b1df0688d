using Npgsql;

namespace SweetsStore.Data;

internal static class PostgresErrors
{
    /// <summary>PostgreSQL's unique_violation.</summary>
    public static bool IsUniqueViolation(this PostgresException e) => e.SqlState == PostgresErrorCodes.UniqueViolation;
}
