using System.Globalization;
using System.Text.Json;
using SweetsStore.Domain;

namespace SweetsStore.Api.Contracts;

/// <summary>
/// Validates the elements of one import, one at a time, with the contract's rules: every field strictly typed,
/// unknown and repeated fields refused, ids unique within the batch. Used alike by the synchronous imports and
/// the background import job, so both accept and refuse exactly the same input.
/// </summary>
public sealed class ImportElements<T>
    where T : class
{
    private readonly JsonFields _fields;
    private readonly Func<JsonElement[], InputLimits, (long? Id, T? Item, FieldErrors? Errors)> _read;
    private readonly InputLimits _limits;
    private readonly IdSet _seen = new();
    private readonly JsonElement[] _slots;
    private readonly List<ElementError> _errors = [];

    internal ImportElements(string collection, string idField, JsonFields fields, InputLimits limits, int maxReported,
        Func<JsonElement[], InputLimits, (long? Id, T? Item, FieldErrors? Errors)> read)
    {
        Collection = collection;
        IdField = idField;
        _fields = fields;
        _limits = limits;
        MaxReported = maxReported;
        _read = read;
        _slots = new JsonElement[fields.Names.Length];
    }

    /// <summary><c>couriers</c> or <c>orders</c>: the report's key.</summary>
    public string Collection { get; }

    public string IdField { get; }

    /// <summary>The report keeps at most this many bad elements; <see cref="Invalid"/> counts them all.</summary>
    public int MaxReported { get; }

    public IReadOnlyList<ElementError> Errors => _errors;

    public long Invalid { get; private set; }

    /// <summary>For NDJSON lines: the line of the element with an index; then every reported element also names it.</summary>
    public Func<int, long>? LineOf { get; set; }

    /// <summary>Every id seen, valid or not, in no particular order (tests compare two imports' as sets).</summary>
    internal IEnumerable<long> SeenIds => _seen.Items();

    /// <summary>
    /// The quicker reader of plainly valid elements (<see cref="IElementFastPath"/>, orders only), or null: every
    /// element then goes through <see cref="Add"/>.
    /// </summary>
    internal IElementFastPath? FastPath { get; set; }

    /// <summary>
    /// Takes the id of an element <see cref="FastPath"/> found valid; false when it came before in this import, and
    /// then the element must go through <see cref="Add"/>, which reports it.
    /// </summary>
    internal bool TryAddValid(long id) => _seen.Add(id);

    /// <summary>The element as domain input, or null when it is invalid (then it is reported).</summary>
    public T? Add(JsonElement element, int index)
    {
        long? id = null;
        T? item = null;
        FieldErrors? errors;
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors = FieldErrors.Of("data[" + index.ToString(CultureInfo.InvariantCulture) + "]", Messages.Object);
        }
        else
        {
            errors = null;
            _fields.Collect(element, _slots, ref errors);
            var (readId, readItem, readErrors) = _read(_slots, _limits);
            id = readId;
            item = errors is null ? readItem : null;
            if (readErrors is not null)
            {
                foreach (var field in readErrors.Fields)
                {
                    foreach (var message in readErrors[field])
                    {
                        (errors ??= new()).Add(field, message);
                    }
                }

                item = null;
            }
        }

        if (id is { } known && !_seen.Add(known))
        {
            (errors ??= new()).Add(IdField, Messages.DuplicateInBatch);
            item = null;
        }

        if (errors is not null)
        {
            Reject(new ElementError(id, index, errors));
        }

        return item;
    }

    /// <summary>Reports an element that could not even be read (a line of NDJSON that is not JSON).</summary>
    public void Reject(ElementError error)
    {
        Invalid++;
        if (_errors.Count < MaxReported)
        {
            _errors.Add(LineOf is { } lineOf ? error with { Line = lineOf(error.Index) } : error);
        }
    }

    /// <summary>
    /// Reports existing ids (found after the batch was read), each at its element's place among the elements reported
    /// before (the report stays in the order they were sent, and its first <see cref="MaxReported"/> are kept).
    /// </summary>
    public void RejectExisting(IReadOnlyCollection<long> existing, Func<long, int> indexOf)
    {
        foreach (var id in existing)
        {
            var index = indexOf(id);
            Invalid++;
            _errors.Add(new ElementError(id, index, FieldErrors.Of(IdField, Messages.AlreadyExists)) { Line = LineOf?.Invoke(index) });
        }

        // An element is reported once (an existing id's element was otherwise valid), so the indexes differ.
        _errors.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        if (_errors.Count > MaxReported)
        {
            _errors.RemoveRange(MaxReported, _errors.Count - MaxReported);
        }
    }

    public ContractValidationException ToException() => new(Collection, _errors);
}

public static class ImportElements
{
    private static readonly JsonFields CourierFields = new("courier_id", "courier_type", "regions", "working_hours");
    private static readonly JsonFields OrderFields = new("order_id", "weight", "region", "delivery_hours");

    /// <summary>Couriers; a synchronous import reports every bad element.</summary>
    public static ImportElements<NewCourier> Couriers(InputLimits limits, int maxReported = int.MaxValue) =>
        new("couriers", "courier_id", CourierFields, limits, maxReported, static (slots, limits) =>
        {
            FieldErrors? errors = null;
            var id = JsonFields.ReadId(slots[0], "courier_id", ref errors);
            var type = JsonFields.ReadCourierType(slots[1], "courier_type", required: true, ref errors);
            var regions = JsonFields.ReadRegions(slots[2], "regions", required: true, limits.MaxListItems, ref errors);
            var hours = JsonFields.ReadSchedule(slots[3], "working_hours", required: true, limits.MaxListItems, ref errors);
            return (id, errors is null ? new NewCourier(id!.Value, type!.Value, regions!, hours!) : null, errors);
        });

    public static ImportElements<NewOrder> Orders(InputLimits limits, int maxReported = int.MaxValue) =>
        new("orders", "order_id", OrderFields, limits, maxReported, static (slots, limits) =>
        {
            FieldErrors? errors = null;
            var id = JsonFields.ReadId(slots[0], "order_id", ref errors);
            var weight = JsonFields.ReadWeight(slots[1], "weight", ref errors);
            var region = JsonFields.ReadRegion(slots[2], "region", ref errors);
            var hours = JsonFields.ReadSchedule(slots[3], "delivery_hours", required: true, limits.MaxListItems, ref errors);
            return (id, errors is null ? new NewOrder(id!.Value, weight!.Value, region!.Value, hours!) : null, errors);
        })
        {
            FastPath = new OrderElementReader(limits.MaxListItems),
        };
}
