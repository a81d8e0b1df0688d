using System.Globalization;
using SweetsStore.Data;
using SweetsStore.Domain;

namespace SweetsStore.Api.Contracts;

/// <summary>Query-string parameters, as strictly as bodies.</summary>
public static class Queries
{
    public const int MaxLimit = 1000;

    public static (int Offset, int Limit) Page(string? offset, string? limit)
    {
        FieldErrors? errors = null;
        var skip = 0;
        var take = 100;
        if (offset is not null && !(int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out skip) && skip >= 0))
        {
            (errors ??= new()).Add("offset", "must be an integer from 0 to 2147483647");
        }

        if (limit is not null && !(int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) && take is >= 1 and <= MaxLimit))
        {
            (errors ??= new()).Add("limit", $"must be an integer from 1 to {MaxLimit}");
        }

        return errors is null ? (skip, take) : throw new ContractValidationException(errors);
    }

    public static OrderStatus? Status(string? status) =>
        status is null ? null
        : ContractNames.TryParseOrderStatus(status, out var parsed) ? parsed
        : throw ContractValidationException.Field("status", "must be one of \"pending\", \"assigned\", \"completed\"");

    /// <summary>Both ends or neither; <c>[from, to)</c> with from ≤ to.</summary>
    public static Period? Period(string? from, string? to)
    {
        if (from is null && to is null)
        {
            return null;
        }

        FieldErrors? errors = null;
        NodaTime.Instant start = default, end = default;
        if (from is null || !Rfc3339.TryParse(from, out start))
        {
            (errors ??= new()).Add("from", from is null ? "is required with to" : Messages.Timestamp);
        }

        if (to is null || !Rfc3339.TryParse(to, out end))
        {
            (errors ??= new()).Add("to", to is null ? "is required with from" : Messages.Timestamp);
        }

        if (errors is null && end < start)
        {
            errors = FieldErrors.Of("to", "must not be earlier than from");
        }

        return errors is null ? new Period(start, end) : throw new ContractValidationException(errors);
    }
}
