using System.Text.Json;

namespace SweetsStore.Api.Contracts;

/// <summary>Human-readable messages per field path (<c>regions[1]</c>), in the order found.</summary>
public sealed class FieldErrors
{
    private readonly List<KeyValuePair<string, List<string>>> _fields = [];

    public bool Any => _fields.Count > 0;

    public IEnumerable<string> Fields => _fields.Select(f => f.Key);

    public IReadOnlyList<string> this[string field] => _fields.FirstOrDefault(f => f.Key == field).Value ?? [];

    public FieldErrors Add(string field, string message)
    {
        foreach (var entry in _fields)
        {
            if (entry.Key == field)
            {
                if (!entry.Value.Contains(message))
                {
                    entry.Value.Add(message);
                }

                return this;
            }
        }

        _fields.Add(new(field, [message]));
        return this;
    }

    public static FieldErrors Of(string field, string message) => new FieldErrors().Add(field, message);

    internal void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (var (field, messages) in _fields)
        {
            writer.WriteStartArray(field);
            foreach (var message in messages)
            {
                writer.WriteStringValue(message);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }
}
