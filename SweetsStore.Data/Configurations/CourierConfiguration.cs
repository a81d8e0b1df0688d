using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SweetsStore.Data.Entities;

namespace SweetsStore.Data.Configurations;

internal sealed class CourierConfiguration : IEntityTypeConfiguration<Courier>
{
    public void Configure(EntityTypeBuilder<Courier> builder)
    {
        builder.ToTable("couriers", t =>
        {
            t.HasCheckConstraint("ck_couriers_courier_id", "courier_id >= 1");
            t.HasCheckConstraint("ck_couriers_courier_type", "courier_type IN ('foot', 'bike', 'car')");
            // Empty regions and working hours are valid (the original task's own example has "working_hours": []).
            t.HasCheckConstraint("ck_couriers_regions", "1 <= ALL (regions)");
            t.HasCheckConstraint("ck_couriers_earnings", "earnings >= 0");
        });
        builder.HasKey(c => c.CourierId);
        builder.Property(c => c.CourierId).ValueGeneratedNever();
        builder.Property(c => c.CourierType).HasConversion<CourierTypeConverter>();
        builder.Property(c => c.Earnings).HasDefaultValue(0L);
    }
}
