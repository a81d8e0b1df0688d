using NodaTime;

namespace SweetsStore.Data.Entities;

/// <summary>
/// A POST answered under an <c>Idempotency-Key</c> (contract 10.1): what was asked and what was answered, written in the
/// transaction of the request's effect. Read and written by <see cref="Idempotency.IdempotencyStore"/> with SQL.
/// </summary>
public sealed class IdempotencyRecord
{
    /// <summary>1–255 visible ASCII characters, as the client sent it.</summary>
    public string IdempotencyKey { get; set; } = "";

    public string Method { get; set; } = "";

    /// <summary>The path with its query string (<c>/imports/orders?format=ndjson</c>).</summary>
    public string Target { get; set; } = "";

    /// <summary>SHA-256 of the request body as sent (32 bytes).</summary>
    public byte[] Fingerprint { get; set; } = [];

    public int Status { get; set; }

    /// <summary>The answer's body, byte for byte.</summary>
    public byte[] Body { get; set; } = [];

    /// <summary>The answer's <c>Location</c> header, when it had one.</summary>
    public string? Location { get; set; }

    public Instant CreatedAt { get; set; }
}
