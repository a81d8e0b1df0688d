using System.Text;
using Microsoft.EntityFrameworkCore;
using SweetsStore.Data.Entities;

namespace SweetsStore.Data;

/// <summary>The schema (and its migrations). Hot paths use hand-written SQL through <see cref="Npgsql.NpgsqlDataSource"/>.</summary>
public sealed class StoreDbContext(DbContextOptions<StoreDbContext> options) : DbContext(options)
{
    public DbSet<Courier> Couriers => Set<Courier>();

    public DbSet<Order> Orders => Set<Order>();

    public DbSet<Bundle> Bundles => Set<Bundle>();

    public DbSet<CourierRegionStat> CourierRegionStats => Set<CourierRegionStat>();

    public DbSet<Import> Imports => Set<Import>();

    public DbSet<ImportChunk> ImportChunks => Set<ImportChunk>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(StoreDbContext).Assembly);
        ApplySnakeCase(modelBuilder);
    }

    // EFCore.NamingConventions does not run on EF 10 here (PACKAGES.md): name columns and keys by hand.
    private static void ApplySnakeCase(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }

            foreach (var key in entity.GetKeys())
            {
                key.SetName(key.IsPrimaryKey() ? $"pk_{entity.GetTableName()}" : $"ak_{entity.GetTableName()}_{string.Join("_", key.Properties.Select(p => p.GetColumnName()))}");
            }

            foreach (var foreignKey in entity.GetForeignKeys())
            {
                foreignKey.SetConstraintName($"fk_{entity.GetTableName()}_{foreignKey.PrincipalEntityType.GetTableName()}");
            }

            foreach (var index in entity.GetIndexes().Where(i => i.GetDatabaseName() is null || !i.GetDatabaseName()!.StartsWith("ix_", StringComparison.Ordinal) && !i.GetDatabaseName()!.StartsWith("ux_", StringComparison.Ordinal)))
            {
                index.SetDatabaseName($"ix_{entity.GetTableName()}_{string.Join("_", index.Properties.Select(p => p.GetColumnName()))}");
            }
        }
    }

    internal static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
