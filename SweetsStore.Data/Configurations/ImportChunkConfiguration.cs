using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SweetsStore.Data.Entities;
using SweetsStore.Data.Imports;

namespace SweetsStore.Data.Configurations;

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
