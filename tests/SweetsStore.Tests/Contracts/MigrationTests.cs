using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Data;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Contracts;

public class MigrationTests
{
    [Fact]
    public async Task ProcessesStartingTogetherOnAnEmptyDatabaseEachMigrateWithoutAFailure()
    {
        // Several API processes (each with its own pool) start at once on an empty database. EF Core's own lock
        // (per migration transaction) let two of them apply the same migration: the loser failed with 42P07.
        var name = $"sweetsstore_m_{Guid.NewGuid():N}";
        await AdminAsync($"CREATE DATABASE {name}");
        try
        {
            var connectionString = TestDatabase.ConnectionStringFor(name);
            var processes = Enumerable.Range(0, 6).Select(_ =>
            {
                var services = new ServiceCollection();
                services.AddSingleton(Database.CreateDataSource(connectionString));
                services.AddDbContext<StoreDbContext>((sp, o) => o.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
                return services.BuildServiceProvider();
            }).ToList();

            var failures = await Task.WhenAll(processes.Select(async p =>
            {
                try
                {
                    await MigrationRunner.MigrateAsync(p, CancellationToken.None);
                    return null;
                }
                catch (PostgresException e)
                {
                    return e.SqlState + " " + e.MessageText;
                }
            }));

            Assert.Empty(failures.OfType<string>());
            await using var check = new NpgsqlConnection(connectionString);
            await check.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM \"__EFMigrationsHistory\"", check);
            using var scope = processes[0].CreateScope();
            Assert.Equal(scope.ServiceProvider.GetRequiredService<StoreDbContext>().Database.GetMigrations().LongCount(), (long)(await command.ExecuteScalarAsync())!);
            foreach (var p in processes)
            {
                await p.DisposeAsync();
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await AdminAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
    }

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestDatabase.AdminConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
