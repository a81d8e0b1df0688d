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

    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(StoreDbContext).Assembly);
    }
}
