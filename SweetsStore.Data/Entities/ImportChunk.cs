namespace SweetsStore.Data.Entities;

/// <summary>One piece of an import's uploaded body, in upload order.</summary>
public sealed class ImportChunk
{
    public long ImportId { get; set; }

    public int Seq { get; set; }

    public byte[] Data { get; set; } = [];
}
