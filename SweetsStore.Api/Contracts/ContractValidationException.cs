using System.Text.Json;

namespace SweetsStore.Api.Contracts;

/// <summary>
/// Bad input in the contract's sense. Turned into <c>400 {"validation_error": …}</c> in one place
/// (<see cref="Errors.ApiExceptionHandler"/>). Three shapes: <c>{"errors": {…}}</c> for a body that is not a
/// list of elements; <c>{"couriers": [{"id"|"index", "errors"}]}</c> for bad elements of an import; and
/// <c>{"couriers": [], "errors": {…}}</c> for an import whose body as a whole is wrong — the list the original
/// schema requires is there, empty, because no element is to blame.
/// </summary>
public sealed class ContractValidationException : Exception
{
    private readonly FieldErrors? _fields;
    private readonly string? _collection;
    private readonly IReadOnlyList<ElementError>? _elements;

    public ContractValidationException(FieldErrors fields)
        : base("invalid input: " + string.Join(", ", fields.Fields)) => _fields = fields;

    public ContractValidationException(string collection, IReadOnlyList<ElementError> elements)
        : base($"invalid {collection}: {elements.Count}")
    {
        _collection = collection;
        _elements = elements;
    }

    private ContractValidationException(string collection, FieldErrors fields)
        : base($"invalid {collection} body: " + string.Join(", ", fields.Fields))
    {
        _collection = collection;
        _elements = [];
        _fields = fields;
    }

    public int StatusCode { get; init; } = StatusCodes.Status400BadRequest;

    public static ContractValidationException Field(string field, string message) => new(FieldErrors.Of(field, message));

    /// <summary>An import (<c>couriers</c> or <c>orders</c>) refused as a whole: no data, not JSON, too many elements.</summary>
    public static ContractValidationException OfImportBody(string collection, FieldErrors fields) => new(collection, fields);

    /// <summary>The object inside <c>validation_error</c>.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        if (_collection is not null)
        {
            writer.WriteStartArray(_collection);
            foreach (var element in _elements!)
            {
                writer.WriteStartObject();
                if (element.Id is { } id)
                {
                    writer.WriteNumber("id", id);
                }
                else
                {
                    writer.WriteNumber("index", element.Index);
                }

                if (element.Line is { } line)
                {
                    writer.WriteNumber("line", line);
                }

                writer.WritePropertyName("errors");
                element.Errors.WriteTo(writer);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (_fields is not null)
        {
            writer.WritePropertyName("errors");
            _fields.WriteTo(writer);
        }

        writer.WriteEndObject();
    }
}
