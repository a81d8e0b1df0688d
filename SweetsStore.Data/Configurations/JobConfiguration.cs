using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SweetsStore.Data.Entities;

namespace SweetsStore.Data.Configurations;

internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> builder)
    {
        builder.ToTable("jobs", t =>
        {
            t.HasCheckConstraint("ck_jobs_state", "state IN ('enqueued', 'processing', 'succeeded', 'failed')");
            t.HasCheckConstraint("ck_jobs_attempts", "attempts >= 0 AND max_attempts >= 1");
            t.HasCheckConstraint("ck_jobs_processing_has_lease", "state <> 'processing' OR (locked_by IS NOT NULL AND lease_until IS NOT NULL)");
        });
        builder.HasKey(j => j.JobId);
        builder.Property(j => j.JobId).UseIdentityAlwaysColumn();

        // What a worker looks for: enqueued jobs due now, and processing jobs whose lease ran out.
        builder.HasIndex(j => new { j.RunAt, j.JobId }).HasDatabaseName("ix_jobs_due").HasFilter("state = 'enqueued'");
        builder.HasIndex(j => j.LeaseUntil).HasDatabaseName("ix_jobs_leases").HasFilter("state = 'processing'");
    }
}
