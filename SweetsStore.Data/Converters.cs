using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using NodaTime;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>
/// Stands in for the Npgsql NodaTime plugin, which is not obtainable here (see ../shared/PACKAGES.md):
/// instants travel as UTC <see cref="DateTime"/> into <c>timestamptz</c>.
/// </summary>
internal sealed class InstantConverter() : ValueConverter<Instant, DateTime>(
    i => i.ToDateTimeUtc(),
    d => Instant.FromDateTimeUtc(DateTime.SpecifyKind(d, DateTimeKind.Utc)));

/// <summary>Courier types as their contract names (<c>foot</c>, <c>bike</c>, <c>car</c>), checked by the table.</summary>
internal sealed class CourierTypeConverter() : ValueConverter<CourierType, string>(
    t => t.ToContractName(),
    s => CourierTypeConverter.Parse(s))
{
    private static CourierType Parse(string s) =>
        CourierTypes.TryParse(s, out var type) ? type : throw new InvalidOperationException($"unknown courier type in database: {s}");
}
