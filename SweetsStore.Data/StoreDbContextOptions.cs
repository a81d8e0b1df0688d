using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace SweetsStore.Data;

/// <summary>How every <see cref="StoreDbContext"/> is configured: the API's, the migration tool's and the tests'.</summary>
public static class StoreDbContextOptions
{
    /// <summary>PostgreSQL through <paramref name="source"/>, NodaTime types mapped natively.</summary>
    public static TBuilder UseStore<TBuilder>(this TBuilder builder, NpgsqlDataSource source)
        where TBuilder : DbContextOptionsBuilder
    {
        builder.UseNpgsql(source, o => o.UseNodaTime());
        return builder;
    }

    /// <summary>As <see cref="UseStore{TBuilder}(TBuilder, NpgsqlDataSource)"/>, from a connection string (tools and tests).</summary>
    public static TBuilder UseStore<TBuilder>(this TBuilder builder, string connectionString)
        where TBuilder : DbContextOptionsBuilder
    {
        builder.UseNpgsql(connectionString, o => o.UseNodaTime());
        return builder;
    }
}
