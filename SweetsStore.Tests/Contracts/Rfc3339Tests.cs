using NodaTime;
using SweetsStore.Api.Contracts;

namespace SweetsStore.Tests.Contracts;

public class Rfc3339Tests
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = Options();

    [Theory]
    [InlineData("2026-01-10T10:33:01.42Z", "2026-01-10T10:33:01.42Z")]
    [InlineData("2026-01-10T10:33:01Z", "2026-01-10T10:33:01Z")]
    [InlineData("2026-01-10T13:33:01.420000+03:00", "2026-01-10T10:33:01.42Z")]
    [InlineData("2026-01-10T00:30:00-01:30", "2026-01-10T02:00:00Z")]
    [InlineData("2026-01-10T10:33:01.000001Z", "2026-01-10T10:33:01.000001Z")]
    [InlineData("2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z")]
    [InlineData("2026-01-10T10:33:01.1234567Z", "2026-01-10T10:33:01.123456Z")] // .NET's round-trip format: past µs dropped
    [InlineData("2026-01-10T10:33:01.0000000Z", "2026-01-10T10:33:01Z")]
    [InlineData("2026-01-10T10:33:01.999999999999Z", "2026-01-10T10:33:01.999999Z")]
    [InlineData("2026-01-10T23:00:00+23:59", "2026-01-09T23:01:00Z")] // RFC 3339 offsets reach ±23:59 (NodaTime's ±18:00)
    [InlineData("2026-01-10T00:00:00-19:00", "2026-01-10T19:00:00Z")]
    public void ReadsStrictTimestampsAndWritesUtc(string input, string output)
    {
        Assert.True(Rfc3339.TryParse(input, out var instant));
        Assert.Equal($"\"{output}\"", System.Text.Json.JsonSerializer.Serialize(instant, Json));
    }

    [Theory]
    [InlineData("2026-01-10T10:33Z")] // seconds required
    [InlineData("2026-01-10 10:33:01Z")]
    [InlineData("2026-01-10T10:33:01")] // offset required
    [InlineData("2026-01-10T10:33:01,42Z")] // "." only
    [InlineData("2026-01-10T10:33:01.Z")]
    [InlineData("2026-01-10T10:33:01+0300")]
    [InlineData("2026-01-10T10:33:01+03")]
    [InlineData("2026-01-10T24:00:00Z")]
    [InlineData("2026-01-10T23:59:60Z")]
    [InlineData("2026-02-29T00:00:00Z")]
    [InlineData("2026-13-01T00:00:00Z")]
    [InlineData("2026-01-10t10:33:01z")]
    [InlineData("2026-01-10T10:33:01+24:00")]
    [InlineData("2026-01-10T10:33:01-19:60")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:00:00-05:00")]
    [InlineData("")]
    public void RefusesAnythingElse(string input)
    {
        Assert.False(Rfc3339.TryParse(input, out _));
    }

    [Fact]
    public void KeepsMicroseconds()
    {
        Assert.True(Rfc3339.TryParse("2026-01-10T10:33:01.123456Z", out var instant));

        Assert.Equal(Instant.FromUtc(2026, 1, 10, 10, 33, 1).PlusTicks(1_234_560), instant);
    }

    // The API's JSON options: instants are written by NodaTime.Serialization.SystemTextJson, read by Rfc3339.
    private static System.Text.Json.JsonSerializerOptions Options()
    {
        var options = new System.Text.Json.JsonSerializerOptions();
        ApiJson.Configure(options);
        return options;
    }
}
