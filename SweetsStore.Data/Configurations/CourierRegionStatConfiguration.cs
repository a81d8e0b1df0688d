using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SweetsStore.Data.Entities;

namespace SweetsStore.Data.Configurations;

internal sealed class CourierRegionStatConfiguration : IEntityTypeConfiguration<CourierRegionStat>
{
    public void Configure(EntityTypeBuilder<CourierRegionStat> builder)
    {
        builder.ToTable("courier_region_stats", t =>
        {
            t.HasCheckConstraint("ck_courier_region_stats_totals", "total_micros >= 0 AND deliveries >= 0");
        });
        builder.HasKey(s => new { s.CourierId, s.Region });
        builder.Property(s => s.TotalMicros).HasColumnType("numeric");
        builder.HasOne<Courier>().WithMany().HasForeignKey(s => s.CourierId).OnDelete(DeleteBehavior.Restrict)
            .HasConstraintName("fk_courier_region_stats_couriers");
    }
}
