using System.Buffers;
using System.Security.Cryptography;
using SweetsStore.Api.Infrastructure;

namespace SweetsStore.Api.Idempotency;

/// <summary>
/// The request body as the action reads it, hashed (SHA-256) on the way: the fingerprint of a body of any size costs
/// one pass over bytes that are read anyway, and nothing is held.
/// </summary>
public sealed class HashingStream(Stream inner) : ForwardOnlyReadStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[]? _fingerprint;

    /// <summary>The SHA-256 of the whole body; only once it has been read to its end.</summary>
    /// <exception cref="InvalidOperationException">The body has not been read to its end.</exception>
    public byte[] Fingerprint() => _fingerprint ?? throw new InvalidOperationException("the request body was not read to its end");

    /// <summary>Reads (and hashes) what is left of the body.</summary>
    public async Task DrainAsync(CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (_fingerprint is null && await ReadAsync(buffer, ct) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_fingerprint is not null)
        {
            return 0;
        }

        var read = await inner.ReadAsync(buffer, cancellationToken);
        if (read > 0)
        {
            _hash.AppendData(buffer.Span[..read]);
        }
        else if (buffer.Length > 0)
        {
            _fingerprint = _hash.GetHashAndReset();
        }

        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
