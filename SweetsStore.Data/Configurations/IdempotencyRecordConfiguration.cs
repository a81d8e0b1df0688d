using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SweetsStore.Data.Entities;

namespace SweetsStore.Data.Configurations;

// Every name is written out in snake_case, so a change of EF's naming convention changes nothing here.
internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_keys", t =>
        {
            t.HasCheckConstraint("ck_idempotency_keys_key", "idempotency_key ~ '^[!-~]{1,255}$'");
            t.HasCheckConstraint("ck_idempotency_keys_fingerprint", "octet_length(fingerprint) = 32");
            t.HasCheckConstraint("ck_idempotency_keys_status", "status BETWEEN 200 AND 499");
        });
        builder.HasKey(r => r.IdempotencyKey).HasName("pk_idempotency_keys");
        builder.Property(r => r.IdempotencyKey).HasColumnName("idempotency_key");
        builder.Property(r => r.Method).HasColumnName("method");
        builder.Property(r => r.Target).HasColumnName("target");
        builder.Property(r => r.Fingerprint).HasColumnName("fingerprint");
        builder.Property(r => r.Status).HasColumnName("status");
        builder.Property(r => r.Body).HasColumnName("body");
        builder.Property(r => r.Location).HasColumnName("location");
        builder.Property(r => r.CreatedAt).HasColumnName("created_at");

        // The purge deletes by age.
        builder.HasIndex(r => r.CreatedAt).HasDatabaseName("ix_idempotency_keys_created_at");
    }
}
