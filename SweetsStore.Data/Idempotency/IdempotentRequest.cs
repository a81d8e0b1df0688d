namespace SweetsStore.Data.Idempotency;

/// <summary>
/// A POST sent with an <c>Idempotency-Key</c>: the key, what was asked (method, path with query) and the SHA-256 of its
/// body, known once the body has been read to its end (imports stream it inside their transaction).
/// </summary>
/// <param name="Retention">How long an answer is kept: an older one counts as absent (the purge deletes it later).</param>
public sealed record IdempotentRequest(string Key, string Method, string Target, Func<byte[]> Fingerprint, TimeSpan Retention);

/// <summary>An answer as stored and replayed: status, body bytes, <c>Location</c>.</summary>
public sealed record IdempotentAnswer(int Status, byte[] Body, string? Location);

/// <summary>A stored answer with what it answered, for the comparison with a later request under the same key.</summary>
public sealed record IdempotencyRecordView(string Method, string Target, byte[] Fingerprint, IdempotentAnswer Answer);
