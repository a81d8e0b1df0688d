using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>Courier types as their contract names (<c>foot</c>, <c>bike</c>, <c>car</c>), checked by the table.</summary>
internal sealed class CourierTypeConverter() : ValueConverter<CourierType, string>(
    t => t.ToContractName(),
    s => CourierTypeConverter.Parse(s))
{
    private static CourierType Parse(string s) =>
        CourierTypes.TryParse(s, out var type) ? type : throw new InvalidOperationException($"unknown courier type in database: {s}");
}
