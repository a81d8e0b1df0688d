using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SweetsStore.Data.Entities;

namespace SweetsStore.Data.Configurations;

internal sealed class OrderConfiguration : IEntityTypeConfiguration<Order>
{
    public void Configure(EntityTypeBuilder<Order> builder)
    {
        builder.ToTable("orders", t =>
        {
            t.HasCheckConstraint("ck_orders_order_id", "order_id >= 1");
            t.HasCheckConstraint("ck_orders_weight_cg", "weight_cg BETWEEN 1 AND 5000");
            t.HasCheckConstraint("ck_orders_region", "region >= 1");
            // Empty delivery hours are valid (such an order is never assigned): then, and only then, `delivery` is empty.
            t.HasCheckConstraint("ck_orders_delivery",
                "delivery <@ int4multirange(int4range(0, 1440)) AND isempty(delivery) = (cardinality(delivery_hours) = 0)");
            t.HasCheckConstraint("ck_orders_completed_in_bundle", "complete_time IS NULL OR (bundle_id IS NOT NULL AND delivery_micros IS NOT NULL)");
        });
        builder.HasKey(o => o.OrderId);

        // Every assign and release moves rows in and out of the partial pool index (never a HOT update),
        // so vacuum the table far sooner than the 20% default.
        builder.HasStorageParameter("autovacuum_vacuum_scale_factor", 0.01);
        builder.HasStorageParameter("autovacuum_analyze_scale_factor", 0.02);
        builder.Property(o => o.OrderId).ValueGeneratedNever();
        // The import order (lower is older), not an identity: an import takes a block of 2^24 values (one nextval per
        // 16,777,216 rows) and gives each row block × 2^24 + its position, so it can COPY its rows in pool-index order
        // (OrderSeq, docs/decisions/0016 step 4). Any other insert takes a block for its one row.
        builder.Property(o => o.Seq).HasDefaultValueSql(OrderSeq.DefaultSql);
        builder.Property(o => o.Delivery).HasColumnType("int4multirange");
        builder.Property(o => o.WeightHundredthsOfKg).HasColumnName("weight_cg"); // hundredths of a kg: renaming the column is not free (0013)
        builder.HasOne(o => o.Bundle).WithMany().HasForeignKey(o => o.BundleId).OnDelete(DeleteBehavior.Restrict)
            .HasConstraintName("fk_orders_bundles");

        // The pool: unassigned orders per region, lightest and oldest first. The assignment engine walks it
        // per region with a LIMIT, so an assign reads only the orders it may use, however large the pool.
        // Deliberately no GiST index on `delivery` (see docs/decisions/0002-pool-query.md).
        builder.HasIndex(o => new { o.Region, o.WeightHundredthsOfKg, o.Seq })
            .HasDatabaseName("ix_orders_pool")
            .HasFilter("bundle_id IS NULL")
            .IncludeProperties(o => new { o.OrderId, o.Delivery });

        // A bundle's orders in delivery order: open ones, the neighbours of a completion, the rating deltas.
        builder.HasIndex(o => new { o.BundleId, o.CompleteTime, o.OrderId })
            .HasDatabaseName("ix_orders_bundle")
            .HasFilter("bundle_id IS NOT NULL");
    }
}
