using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SweetsStore.Data.Entities;

namespace SweetsStore.Data.Configurations;

internal sealed class BundleConfiguration : IEntityTypeConfiguration<Bundle>
{
    public void Configure(EntityTypeBuilder<Bundle> builder)
    {
        builder.ToTable("bundles", t =>
        {
            t.HasCheckConstraint("ck_bundles_courier_type", "courier_type IN ('foot', 'bike', 'car')");
            t.HasCheckConstraint("ck_bundles_coefficient", "coefficient IN (2, 5, 9)");
            t.HasCheckConstraint("ck_bundles_finished", "finished_at IS NULL OR finished_at >= assign_time");
            t.HasCheckConstraint("ck_bundles_earnings", "earnings = 0 OR (finished_at IS NOT NULL AND earnings = 500 * coefficient)");
        });
        builder.HasKey(b => b.BundleId);
        builder.Property(b => b.BundleId).UseIdentityAlwaysColumn();
        builder.Property(b => b.CourierType).HasConversion<CourierTypeConverter>();
        builder.Property(b => b.Earnings).HasDefaultValue(0L);
        builder.HasOne(b => b.Courier).WithMany().HasForeignKey(b => b.CourierId).OnDelete(DeleteBehavior.Restrict)
            .HasConstraintName("fk_bundles_couriers");

        // The database itself allows at most one open bundle per courier.
        builder.HasIndex(b => b.CourierId)
            .HasDatabaseName("ux_bundles_open_per_courier")
            .IsUnique()
            .HasFilter("finished_at IS NULL");

        // Earnings and history per courier, optionally restricted to a period.
        builder.HasIndex(b => new { b.CourierId, b.FinishedAt })
            .HasDatabaseName("ix_bundles_courier_finished");
    }
}
