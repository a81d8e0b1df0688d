using System.Text.Json.Serialization;

namespace SweetsStore.Api.Infrastructure.OpenApi;

/// <summary>
/// Request bodies as the OpenAPI document shows them. Requests are read by hand (<see cref="Contracts.Requests"/>,
/// <see cref="Contracts.ImportElements"/>); these types only describe them. The constraints of each field (ranges,
/// patterns, enums) come from <see cref="ContractFields"/>; a property that may be left out is marked as one the
/// serializer omits when null, since that is how the document tells "optional" from "required".
/// </summary>
public static class RequestSchemas
{
    /// <summary>
    /// A courier to import. Every field is required; an unknown field or a null is refused. Empty
    /// <c>regions</c> or <c>working_hours</c> are valid: such a courier is stored and handed nothing.
    /// </summary>
    public sealed record NewCourier(long CourierId, string CourierType, IReadOnlyList<int> Regions, IReadOnlyList<string> WorkingHours);

    /// <summary>Couriers to import, all or nothing: one invalid courier, or an id that repeats or exists, and none is stored.</summary>
    public sealed record CourierImport(IReadOnlyList<NewCourier> Data);

    /// <summary>
    /// An order to import. Every field is required; an unknown field or a null is refused. Empty
    /// <c>delivery_hours</c> are valid: such an order is stored, stays pending and is never assigned.
    /// </summary>
    public sealed record NewOrder(long OrderId, decimal Weight, int Region, IReadOnlyList<string> DeliveryHours);

    /// <summary>Orders to import, all or nothing: one invalid order, or an id that repeats or exists, and none is stored.</summary>
    public sealed record OrderImport(IReadOnlyList<NewOrder> Data);

    /// <summary>
    /// What to change; every field is optional (<c>{}</c> changes nothing) and none may be null. Open orders that no
    /// longer fit are released to the pool: those in a region no longer served, then those whose delivery hours no
    /// longer meet the working hours, then the heaviest until the rest fits the new capacity.
    /// </summary>
    public sealed record CourierPatch(
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CourierType,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<int>? Regions,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? WorkingHours);

    /// <summary>Which courier asks for work.</summary>
    public sealed record AssignRequest(long CourierId);

    /// <summary>An order delivered by the courier it is assigned to.</summary>
    public sealed record CompleteRequest(long CourierId, long OrderId, NodaTime.Instant CompleteTime);
}
