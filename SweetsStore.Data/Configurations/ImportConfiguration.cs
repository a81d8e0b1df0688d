using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SweetsStore.Data.Entities;
using SweetsStore.Data.Imports;

namespace SweetsStore.Data.Configurations;

internal sealed class ImportConfiguration : IEntityTypeConfiguration<Import>
{
    public void Configure(EntityTypeBuilder<Import> builder)
    {
        builder.ToTable("imports", t =>
        {
            t.HasCheckConstraint("ck_imports_kind", "kind IN ('orders', 'couriers')");
            t.HasCheckConstraint("ck_imports_format", "format IN ('json', 'ndjson')");
            t.HasCheckConstraint("ck_imports_status", "status IN ('queued', 'running', 'succeeded', 'failed')");
            t.HasCheckConstraint("ck_imports_rows", "rows_done >= 0 AND rows_total >= 0 AND rows_invalid >= 0");
        });
        builder.HasKey(i => i.ImportId);
        builder.Property(i => i.ImportId).UseIdentityAlwaysColumn();
        builder.Property(i => i.Report).HasColumnType("jsonb");
        builder.Property(i => i.Kind).HasConversion(k => ImportText.Of(k), s => ImportText.Kind(s));
        builder.Property(i => i.Status).HasConversion(k => ImportText.Of(k), s => ImportText.Status(s));
    }
}
