using System.Net.Sockets;
using Npgsql;
using SweetsStore.Data;

namespace SweetsStore.Tests.Contracts;

/// <summary>Connection strings naming several hosts (a primary and its standbys), and the reads that may be stale.</summary>
public class MultiHostDatabaseTests
{
    [Theory]
    [InlineData("Host=db1,db2;Database=d")]
    [InlineData("Host=10.0.0.1:5432,10.0.0.2:5433;Database=d")]
    public void SeveralHostsTargetThePrimaryAndRecheckEveryTwoSeconds(string connectionString)
    {
        using var source = Database.CreateDataSource(connectionString);
        var built = new NpgsqlConnectionStringBuilder(source.ConnectionString);

        Assert.IsType<NpgsqlMultiHostDataSource>(source);
        Assert.Equal("primary", built.TargetSessionAttributes);
        Assert.Equal(2, built.HostRecheckSeconds);
        Assert.Equal(50, built.MaxPoolSize);
    }

    [Fact]
    public void TheHostsKeepTheirPorts()
    {
        using var source = (NpgsqlMultiHostDataSource)Database.CreateDataSource("Host=10.0.0.1:5432,10.0.0.2:5433;Database=d");

        Assert.Equal("10.0.0.1:5432,10.0.0.2:5433", new NpgsqlConnectionStringBuilder(source.ConnectionString).Host);
    }

    [Fact]
    public void WhatTheConnectionStringSaysWins()
    {
        using var source = Database.CreateDataSource("Host=db1,db2;Database=d;Target Session Attributes=read-write;Host Recheck Seconds=30");
        var built = new NpgsqlConnectionStringBuilder(source.ConnectionString);

        Assert.Equal("read-write", built.TargetSessionAttributes);
        Assert.Equal(30, built.HostRecheckSeconds);
    }

    [Fact]
    public void OneHostNamesNoTarget()
    {
        // Npgsql refuses a target other than "any" with a single host.
        using var source = Database.CreateDataSource("Host=db1;Database=d");

        Assert.Null(new NpgsqlConnectionStringBuilder(source.ConnectionString).TargetSessionAttributes);
        Assert.IsNotType<NpgsqlMultiHostDataSource>(source);
    }

    [Fact]
    public void PointReadsOverSeveralHostsStayOnThePrimaryWithoutMultiplexing()
    {
        // Npgsql cannot multiplex over several hosts; a point read follows a write, so it reads the primary.
        using var source = Database.CreatePointReadSource("Host=db1,db2;Database=d");
        var built = new NpgsqlConnectionStringBuilder(source.ConnectionString);

        Assert.False(built.Multiplexing);
        Assert.Equal("primary", built.TargetSessionAttributes);
        Assert.Equal(8, built.MaxPoolSize);
    }

    [Theory]
    [InlineData("Host=db1,db2;Database=d", 16)]
    [InlineData("Host=db1,db2;Database=d;Maximum Pool Size=100", 16)]
    [InlineData("Host=db1,db2;Database=d;Maximum Pool Size=4", 4)]
    public void TheJobsSourceTargetsThePrimaryOverASmallPoolOfItsOwn(string connectionString, int pool)
    {
        // Hangfire's storage: with the raw connection string ("any" host) it would write to a standby listed first.
        using var source = Database.CreateJobSource(connectionString);
        var built = new NpgsqlConnectionStringBuilder(source.ConnectionString);

        Assert.IsType<NpgsqlMultiHostDataSource>(source);
        Assert.Equal("primary", built.TargetSessionAttributes);
        Assert.Equal(2, built.HostRecheckSeconds);
        Assert.Equal(5, built.Timeout);
        Assert.Equal(pool, built.MaxPoolSize);
        Assert.Equal("sweetsstore-jobs", built.ApplicationName);
    }

    [Fact]
    public void StaleReadsPreferAStandby()
    {
        using var source = Database.CreateStaleReadSource("Host=db1,db2;Database=d");
        var built = new NpgsqlConnectionStringBuilder(source.ConnectionString);

        Assert.Equal("prefer-standby", built.TargetSessionAttributes);
        Assert.Equal(2, built.HostRecheckSeconds);
        Assert.Equal(20, built.MaxPoolSize);
        Assert.Equal("sweetsstore-stale-reads", built.ApplicationName);
    }

    [Fact]
    public void StaleReadsFromOneAddressNameNoTarget()
    {
        // A single replica address (a load balancer in front of the standbys, say).
        using var source = Database.CreateStaleReadSource("Host=replicas.internal;Database=d");

        Assert.Null(new NpgsqlConnectionStringBuilder(source.ConnectionString).TargetSessionAttributes);
    }
}

/// <summary>Which failures mean "the database is unavailable, try again" (503) rather than a bug (500).</summary>
public class DatabaseUnavailableTests
{
    public static TheoryData<string, Exception> Unavailable => new()
    {
        { "a write on a standby", Postgres(PostgresErrorCodes.ReadOnlySqlTransaction) },
        { "a server shutting down", Postgres(PostgresErrorCodes.AdminShutdown) },
        { "a server starting or promoting", Postgres(PostgresErrorCodes.CannotConnectNow) },
        { "no primary among the hosts", new NpgsqlException("No suitable host was found.") },
        {
            "every host refused",
            new NpgsqlException("Unable to connect to a suitable host. Check inner exception for more details.", new AggregateException(
                new NpgsqlException("Failed to connect to 127.0.0.1:1", new SocketException((int)SocketError.ConnectionRefused)),
                Postgres(PostgresErrorCodes.CannotConnectNow)))
        },
        { "a broken connection", new NpgsqlException("Exception while reading from stream", new EndOfStreamException()) },
        { "inside EF Core's wrapper", new InvalidOperationException("An exception has been raised", Postgres(PostgresErrorCodes.ReadOnlySqlTransaction)) },
    };

    public static TheoryData<string, Exception> Bugs => new()
    {
        { "a wrong password", Postgres(PostgresErrorCodes.InvalidPassword) },
        {
            "every host refused, one for a wrong password",
            new NpgsqlException("Unable to connect to a suitable host. Check inner exception for more details.", new AggregateException(
                new NpgsqlException("Failed to connect to 127.0.0.1:1", new SocketException((int)SocketError.ConnectionRefused)),
                Postgres(PostgresErrorCodes.InvalidPassword)))
        },
        { "a syntax error", Postgres(PostgresErrorCodes.SyntaxError) },
        { "some other Npgsql failure", new NpgsqlException("something else") },
        { "not the database at all", new InvalidOperationException("Sequence contains no elements") },
    };

    [Theory]
    [MemberData(nameof(Unavailable))]
    public void AreUnavailable(string what, Exception exception) => Assert.True(Database.IsUnavailable(exception), what);

    [Theory]
    [MemberData(nameof(Bugs))]
    public void AreNot(string what, Exception exception) => Assert.False(Database.IsUnavailable(exception), what);

    private static PostgresException Postgres(string sqlState) => new("message", "ERROR", "ERROR", sqlState);
}
