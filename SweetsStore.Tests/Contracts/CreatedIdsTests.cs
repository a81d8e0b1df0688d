using System.Text.Json;
using SweetsStore.Api.Contracts;

namespace SweetsStore.Tests.Contracts;

/// <summary>The import's 201, written from the ids, is byte for byte the contract records serialized as the API does.</summary>
public class CreatedIdsTests
{
    private static readonly JsonSerializerOptions Json = Options();

    public static TheoryData<string, long[]> Lists()
    {
        long[][] lists =
        [
            [],
            [1],
            [9, 10, 99, 100, 999_999, 1_000_000],
            [long.MaxValue, 0, -1, -10, long.MinValue],
            Enumerable.Range(0, 10_000).Select(i => (long)i * 7_919 + 1).ToArray(),
        ];
        var data = new TheoryData<string, long[]>();
        foreach (var collection in new[] { "orders", "couriers" })
        {
            foreach (var ids in lists)
            {
                data.Add(collection, ids);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Lists))]
    public void WritesWhatTheContractRecordsSerializeTo(string collection, long[] ids)
    {
        var items = ids.Select(id => new IdItem(id)).ToArray();
        object created = collection == "orders" ? new OrdersCreated(items) : new CouriersCreated(items);

        Assert.Equal(JsonSerializer.Serialize(created, created.GetType(), Json), System.Text.Encoding.UTF8.GetString(CreatedIds.Json(collection, ids)));
    }

    [Theory]
    [InlineData(0L, 1)]
    [InlineData(9L, 1)]
    [InlineData(10L, 2)]
    [InlineData(-9L, 2)]
    [InlineData(999_999_999_999L, 12)]
    [InlineData(1_000_000_000_000L, 13)]
    [InlineData(long.MaxValue, 19)]
    [InlineData(long.MinValue, 20)]
    public void CountsDigits(long value, int digits) => Assert.Equal(digits, CreatedIds.Digits(value));

    private static JsonSerializerOptions Options()
    {
        var options = new JsonSerializerOptions();
        ApiJson.Configure(options);
        return options;
    }
}
