using System.Net;
using System.Text.Json.Nodes;
using NodaTime;
using SweetsStore.Api.Contracts;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>Shared steps of the delivery tests: import, assign, complete, read.</summary>
public abstract class DeliveryTest(ApiFactory api) : ApiTest(api)
{
    protected async Task Couriers(params Dictionary<string, object>[] couriers) =>
        (await PostAsync("/couriers", new { data = couriers })).Expect(HttpStatusCode.Created);

    protected async Task Orders(params Dictionary<string, object>[] orders) =>
        (await PostAsync("/orders", new { data = orders })).Expect(HttpStatusCode.Created);

    protected async Task<(long[] Ids, string? AssignTime)> AssignAsync(long courierId)
    {
        var json = (await PostAsync("/orders/assign", new { courier_id = courierId })).Expect(HttpStatusCode.OK);
        return (json["orders"]!.AsArray().Select(o => (long)o!["id"]!).ToArray(), (string?)json["assign_time"]);
    }

    protected Task<Reply> CompleteAsync(long courierId, long orderId, string completeTime) =>
        PostAsync("/orders/complete", new { courier_id = courierId, order_id = orderId, complete_time = completeTime });

    protected Task<Reply> CompleteAsync(long courierId, long orderId, Instant completeTime) =>
        CompleteAsync(courierId, orderId, NodaTime.Text.InstantPattern.ExtendedIso.Format(completeTime));

    protected async Task<JsonNode> CourierAsync(long courierId) => (await GetAsync($"/couriers/{courierId}")).Expect(HttpStatusCode.OK);

    protected static Instant At(int minutesAfterStart) => ApiFactory.Start + Duration.FromMinutes(minutesAfterStart);
}
