using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace SweetsStore.Data;

/// <summary>
/// How every <see cref="StoreDbContext"/> is configured: the API's, the migration tool's and the tests'. Names are
/// snake_case (EFCore.NamingConventions); the foreign keys keep the names they were created with (each configuration
/// pins its own: the convention would add the column to them), so the model matches the migrations exactly, and the
/// migrations history keeps its columns (<see cref="MigrationsHistory"/>).
/// </summary>
public static class StoreDbContextOptions
{
    /// <summary>PostgreSQL through <paramref name="source"/>, NodaTime types mapped natively, snake_case names.</summary>
    public static TBuilder UseStore<TBuilder>(this TBuilder builder, NpgsqlDataSource source)
        where TBuilder : DbContextOptionsBuilder
    {
        builder.UseNpgsql(source, o => o.UseNodaTime()).UseSnakeCaseNamingConvention().ReplaceService<IHistoryRepository, MigrationsHistory>();
        return builder;
    }

    /// <summary>As <see cref="UseStore{TBuilder}(TBuilder, NpgsqlDataSource)"/>, from a connection string (tools and tests).</summary>
    public static TBuilder UseStore<TBuilder>(this TBuilder builder, string connectionString)
        where TBuilder : DbContextOptionsBuilder
    {
        builder.UseNpgsql(connectionString, o => o.UseNodaTime()).UseSnakeCaseNamingConvention().ReplaceService<IHistoryRepository, MigrationsHistory>();
        return builder;
    }
}
