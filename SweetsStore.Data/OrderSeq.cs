namespace SweetsStore.Data;

/// <summary>
/// <c>orders.seq</c>, the import order the assignment engine and <c>ReleasePolicy</c> call "older": values come in blocks
/// of 2^24 from the sequence <see cref="Blocks"/>. An import takes one block (one <c>nextval</c>) per 2^24 rows and
/// gives the row at position p of its body <c>block × 2^24 + p mod 2^24</c>, so its rows keep their order however they
/// are copied, and no two imports (nor any other insert, whose default takes a whole block) share a value.
/// docs/decisions/0016, step 4.
/// </summary>
public static class OrderSeq
{
    /// <summary>The sequence of blocks (owned by <c>orders.seq</c>: <c>TRUNCATE … RESTART IDENTITY</c> restarts it).</summary>
    public const string Blocks = "orders_seq_block";

    /// <summary>Bits of a position within a block.</summary>
    public const int PositionBits = 24;

    /// <summary>The column's default: a block of its own for a row inserted without a seq.</summary>
    public const string DefaultSql = "nextval('orders_seq_block') * 16777216";

    /// <summary>An import's next block.</summary>
    internal const string NextBlock = "SELECT nextval('orders_seq_block')";

    /// <summary>The seq of the row at <paramref name="position"/> given the import's blocks (block i covers positions i × 2^24 on).</summary>
    public static long Of(IReadOnlyList<long> blocks, long position) =>
        (blocks[(int)(position >> PositionBits)] << PositionBits) | (position & ((1L << PositionBits) - 1));
}
