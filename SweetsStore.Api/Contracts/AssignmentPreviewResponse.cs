using SweetsStore.Data;
using SweetsStore.Domain;

namespace SweetsStore.Api.Contracts;

/// <summary><c>GET /couriers/{courier_id}/assignment</c> (contract 10.2).</summary>
public sealed record AssignmentPreviewResponse(
    long CourierId, string CourierType, decimal Capacity, AssignResponse? OpenBundle, IReadOnlyList<PreviewOrderResponse> WouldAssign,
    decimal TotalWeight, LeftOutResponse LeftOut)
{
    public static AssignmentPreviewResponse From(AssignmentPreviewView p) => new(
        p.CourierId, p.Type.ToContractName(), p.Capacity.Kilograms,
        p.OpenBundle is { } open ? new AssignResponse(open.OrderIds.Select(id => new IdItem(id)).ToArray(), open.AssignTime) : null,
        p.WouldAssign.Select(o => new PreviewOrderResponse(o.OrderId, o.Weight.Kilograms, o.Region)).ToArray(),
        p.TotalWeight.Kilograms,
        new LeftOutResponse(p.LeftOut.OtherRegion, p.LeftOut.HoursDoNotOverlap, p.LeftOut.HeavierThanCapacity, p.LeftOut.FitsButNotChosen));
}

public sealed record PreviewOrderResponse(long OrderId, decimal Weight, int Region);

/// <summary>Pending orders not chosen, each counted by the first reason that applies, in this order.</summary>
public sealed record LeftOutResponse(long OtherRegion, long HoursDoNotOverlap, long HeavierThanCapacity, long FitsButNotChosen);
