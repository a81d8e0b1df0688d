using Npgsql;
using SweetsStore.Data;

namespace SweetsStore.Tests.Contracts;

public class DatabaseTests
{
    [Theory]
    [InlineData("Host=h;Database=d", 5, 50)]
    [InlineData("Host=h;Database=d;Command Timeout=60", 5, 50)] // not the connect timeout
    [InlineData("Host=h;Database=d;Timeout=9;Maximum Pool Size=7", 9, 7)]
    [InlineData("Host=h;Database=d;timeout=3;maximum pool size=11", 3, 11)]
    public void DefaultsApplyOnlyWhereTheConnectionStringIsSilent(string connectionString, int timeout, int pool)
    {
        using var source = Database.CreateDataSource(connectionString);
        var built = new NpgsqlConnectionStringBuilder(source.ConnectionString);

        Assert.Equal(timeout, built.Timeout);
        Assert.Equal(pool, built.MaxPoolSize);
    }
}

public class DatabasePreparationTests
{
    [Fact]
    public void PreparesRepeatedStatementsAndSkipsTheResetUnlessTold()
    {
        using var source = Database.CreateDataSource("Host=h;Database=d");
        var built = new NpgsqlConnectionStringBuilder(source.ConnectionString);

        Assert.Equal(64, built.MaxAutoPrepare);
        Assert.True(built.NoResetOnClose);
    }

    [Fact]
    public void BehindPgBouncerPreparationCanBeTurnedOff()
    {
        using var source = Database.CreateDataSource("Host=h;Database=d;Max Auto Prepare=0;No Reset On Close=false");
        var built = new NpgsqlConnectionStringBuilder(source.ConnectionString);

        Assert.Equal(0, built.MaxAutoPrepare);
        Assert.False(built.NoResetOnClose);
    }
}

public class PointReadSourceTests
{
    [Fact]
    public void MultiplexesOverASmallPoolUnlessTold()
    {
        using var source = Database.CreatePointReadSource("Host=h;Database=d");
        var built = new NpgsqlConnectionStringBuilder(source.ConnectionString);

        Assert.True(built.Multiplexing);
        Assert.Equal(8, built.MaxPoolSize);
        Assert.Equal(64, built.MaxAutoPrepare);
    }

    [Theory]
    [InlineData("Host=h;Database=d;Multiplexing=false", true)]
    [InlineData("Host=h;Database=d", false)]
    public void MultiplexingCanBeTurnedOffByTheConnectionStringOrTheSetting(string connectionString, bool setting)
    {
        using var source = Database.CreatePointReadSource(connectionString, multiplexing: setting);

        Assert.False(new NpgsqlConnectionStringBuilder(source.ConnectionString).Multiplexing);
    }
}
