using Microsoft.EntityFrameworkCore;
using Npgsql;
using SweetsStore.Data;

namespace SweetsStore.Tests.Infrastructure;

/// <summary>
/// Real PostgreSQL for the tests: the server named by SWEETSSTORE_TEST_DB (./test.sh starts a throwaway one).
/// The schema is migrated once into a template database; every test class gets its own clone, so classes run
/// in parallel without seeing each other's rows.
/// </summary>
public static class TestDatabase
{
    private static readonly Lazy<Task<string>> Template = new(CreateTemplateAsync);

    public static string AdminConnectionString { get; } =
        Environment.GetEnvironmentVariable("SWEETSSTORE_TEST_DB")
        ?? throw new InvalidOperationException(
            "SWEETSSTORE_TEST_DB is not set. Run the tests with ./test.sh, which starts a throwaway PostgreSQL, " +
            "or point SWEETSSTORE_TEST_DB at a server where this user may create databases.");

    /// <summary>A new database with the current schema and no rows; returns its connection string.</summary>
    public static async Task<(string Name, string ConnectionString)> CreateAsync()
    {
        var template = await Template.Value;
        var name = $"sweetsstore_t_{Guid.NewGuid():N}";
        await ExecuteAsync($"CREATE DATABASE {name} TEMPLATE {template}");
        return (name, ConnectionStringFor(name));
    }

    public static Task DropAsync(string name) => ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");

    public static string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, Pooling = true }.ConnectionString;

    private static async Task<string> CreateTemplateAsync()
    {
        var name = $"sweetsstore_tpl_{Environment.ProcessId}";
        await ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        await ExecuteAsync($"CREATE DATABASE {name}");
        var connectionString = ConnectionStringFor(name);
        await MigrateAsync(connectionString);

        // A template must have no open connections while it is cloned.
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(connection);
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)").GetAwaiter().GetResult();
        return name;
    }

    /// <summary>
    /// The schema the migrate step makes, the way it makes it (<see cref="Schema.MigrateAsync"/>: EF Core's
    /// migrations, then Hangfire's schema, under the migration lock; docs/decisions/0011).
    /// </summary>
    public static async Task MigrateAsync(string connectionString)
    {
        await using var source = Database.CreateDataSource(connectionString); // disposed: no connection stays open on a template
        await using var context = new StoreDbContext(new DbContextOptionsBuilder<StoreDbContext>().UseStore(source).Options);
        await Schema.MigrateAsync(source, context, async ct =>
        {
            await using var connection = await source.OpenConnectionAsync(ct);
            Hangfire.PostgreSql.PostgreSqlObjectsInstaller.Install(connection, SweetsStore.Data.Jobs.JobTables.Schema);
        }, CancellationToken.None);
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(AdminConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
