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

internal sealed class ImportChunkConfiguration : IEntityTypeConfiguration<ImportChunk>
{
    public void Configure(EntityTypeBuilder<ImportChunk> builder)
    {
        builder.ToTable("import_chunks");
        builder.HasKey(c => new { c.ImportId, c.Seq });
        builder.HasOne<Import>().WithMany().HasForeignKey(c => c.ImportId).OnDelete(DeleteBehavior.Cascade)
            .HasConstraintName("fk_import_chunks_imports");

        // lz4 compresses JSON bodies several times faster than PostgreSQL's default pglz.
        builder.Property(c => c.Data).UseCompressionMethod("lz4");
    }
}
