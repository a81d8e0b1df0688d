using SweetsStore.Data.Imports;
using SweetsStore.Domain;

namespace SweetsStore.Api.Contracts;

/// <summary>The contract's words for the statuses and kinds the service keeps as enums: the JSON edge, both ways.</summary>
public static class ContractNames
{
    public static string ToContractName(this OrderStatus status) => status switch
    {
        OrderStatus.Pending => "pending",
        OrderStatus.Assigned => "assigned",
        OrderStatus.Completed => "completed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown order status"),
    };

    /// <summary>Parses <c>pending</c>, <c>assigned</c> or <c>completed</c> exactly; anything else fails.</summary>
    public static bool TryParseOrderStatus(string text, out OrderStatus status)
    {
        foreach (var candidate in Enum.GetValues<OrderStatus>())
        {
            if (text == candidate.ToContractName())
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }

    public static string ToContractName(this ImportKind kind) => kind switch
    {
        ImportKind.Orders => "orders",
        ImportKind.Couriers => "couriers",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown import kind"),
    };

    public static string ToContractName(this ImportStatus status) => status switch
    {
        ImportStatus.Queued => "queued",
        ImportStatus.Running => "running",
        ImportStatus.Succeeded => "succeeded",
        ImportStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown import status"),
    };
}
