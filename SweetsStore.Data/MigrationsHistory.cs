using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Migrations;

namespace SweetsStore.Data;

/// <summary>
/// EF Core's <c>__EFMigrationsHistory</c> with the column names every database already has (<c>"MigrationId"</c>,
/// <c>"ProductVersion"</c>). EFCore.NamingConventions also renames the history table's columns (its issue #1): without
/// this, every existing database would be read as having no migration applied, and a new one would get columns our
/// readiness query does not know.
/// </summary>
#pragma warning disable EF1001 // Npgsql's history repository is public but in an Internal namespace; only ConfigureTable is overridden.
internal sealed class MigrationsHistory(HistoryRepositoryDependencies dependencies)
    : Npgsql.EntityFrameworkCore.PostgreSQL.Migrations.Internal.NpgsqlHistoryRepository(dependencies)
#pragma warning restore EF1001
{
    protected override void ConfigureTable(EntityTypeBuilder<HistoryRow> history)
    {
        base.ConfigureTable(history);
        history.Property(h => h.MigrationId).HasColumnName("MigrationId");
        history.Property(h => h.ProductVersion).HasColumnName("ProductVersion");
    }
}
